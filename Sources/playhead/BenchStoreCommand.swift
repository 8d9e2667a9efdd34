import ArgumentParser
import Foundation
import Store

/// Annotation store throughput and time-window query latency on either backend.
struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Insert annotations in batches and time random window queries (SQLite or PostgreSQL).",
        discussion: "All annotations go to one media and one feature, the hardest case for the window index."
    )

    @Option(help: "Store URL: a SQLite path or sqlite:///path, or postgres://user@host:port/db (default: a fresh SQLite file).")
    var store: String?
    @Option(help: "Annotations to insert.") var count = 1_000_000
    @Option(help: "Annotations per insert batch.") var batch = 10_000
    @Option(help: "Window queries to time.") var queries = 2_000

    func run() async throws {
        try await reportingErrors {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("playhead-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let url = try StoreURL(store ?? scratch.appendingPathComponent("bench.db").path)
            if store == nil { try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true) }
            var configuration = StoreBench.Configuration()
            configuration.annotations = count
            configuration.batchSize = batch
            configuration.queries = queries
            print("store: \(url)")
            let settings = configuration
            let report = try await url.withStore { try await StoreBench.run(on: $0, settings) }
            print(report)
        }
    }
}
