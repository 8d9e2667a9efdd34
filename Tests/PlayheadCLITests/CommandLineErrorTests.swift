import Foundation
import PlayheadCore
import Testing
import TestSupport

/// Runs the built `playhead` binary the way a user would and checks that bad input ends in one
/// actionable error line and a non-zero exit, never a crash or a partial report.
@Suite struct CommandLineErrorTests {
    /// The executable sits next to the test bundle in SwiftPM's products directory.
    static let binary: String = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("playhead")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests.path }
        return TestMedia.packageRoot.appendingPathComponent(".build/debug/playhead").path
    }()

    /// Runs the binary; `analyze` gets a feature store of its own so no test reads another's results.
    func playhead(_ arguments: [String]) async throws -> ExternalProcess.Result {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let store = arguments.first == "analyze" ? ["--store", scratch.appendingPathComponent("store.db").path] : []
        return try await ExternalProcess.run(Self.binary, arguments + store, operation: "playhead \(arguments.joined(separator: " "))")
    }

    func expectOneErrorLine(_ result: ExternalProcess.Result, code: String, mentioning text: String) {
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.standardError)")
        #expect(lines.first?.hasPrefix("playhead: error: \(code): ") == true, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(text))
        #expect(result.standardOutput.isEmpty)
    }

    @Test func missingFile() async throws {
        let result = try await playhead(["probe", "/nonexistent/clip.mp4"])
        expectOneErrorLine(result, code: "file_not_found", mentioning: "/nonexistent/clip.mp4")
    }

    @Test func emptyFile() async throws {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("empty.mp4").path
        FileManager.default.createFile(atPath: path, contents: Data())
        expectOneErrorLine(try await playhead(["probe", path]), code: "empty_file", mentioning: "empty")
    }

    @Test func textRenamedToMP4LeavesNoReport() async throws {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("notes.mp4").path
        FileManager.default.createFile(atPath: path, contents: Data("meeting notes, not a video\n".utf8))
        let report = scratch.appendingPathComponent("report.json").path
        let result = try await playhead(["analyze", path, "--features", "faces", "--json", report])
        expectOneErrorLine(result, code: "unsupported_format", mentioning: "notes.mp4")
        #expect(!FileManager.default.fileExists(atPath: report))
    }

    @Test func truncatedVideoLeavesNoReport() async throws {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let report = scratch.appendingPathComponent("report.json").path
        let result = try await playhead(["analyze", try TestMedia.truncatedMP4(), "--features", "faces", "--json", report])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("playhead: error: "), "stderr: \(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: report))
    }

    @Test func unknownFeatureIsAUsageError() async throws {
        let result = try await playhead(["analyze", try TestMedia.clip30fps(), "--features", "bogus"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("unknown feature(s): bogus; available: "))
        for feature in ["shots", "faces", "safety", "speech"] { #expect(result.standardError.contains(feature)) }
    }

    @Test func speechIsReportedAndAnAudioFeatureNeedsAudio() async throws {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let report = scratch.appendingPathComponent("speech.json").path
        let result = try await playhead(["analyze", try TestMedia.speechClip(), "--features", "speech", "--json", report])
        #expect(result.status == 0, "\(result.errorTail)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        #expect((json?["speech"] as? [[String: Any]])?.count == 2)
        #expect((json?["models"] as? [String: String])?["speech"] == "silero-vad@6.2.3")
        let silent = try TestMedia.fixture("silent_video_cli.mp4", ffmpeg: ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "1", "-an"])
        // Speech asked of a silent video is an empty answer with a note, not an error.
        let silentReport = scratch.appendingPathComponent("silent.json").path
        let silentResult = try await playhead(["analyze", silent, "--features", "speech", "--json", silentReport])
        #expect(silentResult.status == 0, "\(silentResult.errorTail)")
        let silentJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: silentReport))) as? [String: Any]
        #expect((silentJSON?["speech"] as? [Any])?.isEmpty == true)
        #expect((silentJSON?["notes"] as? [String])?.first?.contains("no audio stream") == true)
    }
}
