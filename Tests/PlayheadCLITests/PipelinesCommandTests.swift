import Foundation
import PlayheadCore
import Testing
import TestSupport

/// `playhead pipelines` and `playhead media add`: a registered pipeline queues a job for each new media.
@Suite struct PipelinesCommandTests {
    func playhead(_ arguments: [String], store: String) async throws -> ExternalProcess.Result {
        try await ExternalProcess.run(CommandLineErrorTests.binary, arguments + ["--store", store], operation: "playhead \(arguments.first ?? "")")
    }

    @Test func aPipelineQueuesAJobForEachNewMedia() async throws {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let store = scratch.appendingPathComponent("store.db").path
        let added = try await playhead(["pipelines", "add", "quick", "--features", "shots,faces", "--chunk-seconds", "3"], store: store)
        #expect(added.status == 0, "\(added.standardError)")
        let refused = try await playhead(["pipelines", "add", "bad", "--features", "smiles"], store: store)
        #expect(refused.status == 1 && refused.standardError.contains("unknown feature(s): smiles"), "\(refused.standardError)")
        #expect(try await playhead(["pipelines", "list"], store: store).standardOutput.hasPrefix("quick\t{"))

        let clip = try TestMedia.clip30fps()
        let first = try await playhead(["media", "add", clip], store: store)
        #expect(first.status == 0 && first.standardOutput.contains("\tjob ") && first.standardOutput.contains("(quick)"), "\(first.standardOutput)\(first.standardError)")
        let again = try await playhead(["media", "add", clip], store: store)
        #expect(again.standardOutput.contains("already in the catalog"))

        #expect(try await playhead(["pipelines", "remove", "quick"], store: store).status == 0)
        let missing = try await playhead(["pipelines", "remove", "quick"], store: store)
        #expect(missing.status == 1 && missing.standardError.contains("no pipeline named 'quick'"), "\(missing.standardError)")
    }
}
