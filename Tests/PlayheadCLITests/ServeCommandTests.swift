import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PlayheadCore
import Synchronization
import Testing
import TestSupport

/// `playhead serve` as a process: it starts from a YAML file, answers, and exits 0 on SIGTERM.
@Suite struct ServeCommandTests {
    @Test func servesAConfigAndExitsCleanlyOnSIGTERM() async throws {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = scratch.appendingPathComponent("playhead.yaml")
        try """
        server: {host: 127.0.0.1}
        deployments:
          - name: faces
            model: blazeface-short
            batching: {max_batch_size: 4, max_wait_ms: 1}
            hint: latency
        """.write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineErrorTests.binary)
        process.arguments = ["serve", "--config", config.path, "--port", "0",
                             "--models", TestMedia.packageRoot.appendingPathComponent("models").path,
                             "--store", config.deletingLastPathComponent().appendingPathComponent("store.db").path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let log = Mutex("")
        errors.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            log.withLock { $0 += chunk }
        }
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var url: String?
        for _ in 0..<600 where url == nil {
            let text = log.withLock { $0 }
            if let range = text.range(of: #"url=http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                url = String(text[range].dropFirst(4))
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let base = try #require(url, "no 'serving' line in: \(log.withLock { $0 })")
        let (data, response) = try await URLSession.shared.data(from: URL(string: base + "/v2/models/faces")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("\"name\":\"faces\""))
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<400 where process.isRunning { try await Task.sleep(for: .milliseconds(25)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        errors.fileHandleForReading.readabilityHandler = nil
    }
}
