import Foundation
import PlayheadCore

/// The store benchmark: batched annotation inserts, then random time-window queries, on any backend.
///
/// All annotations go to one media and one feature, the worst case for the window index. They are spread
/// uniformly over `mediaSeconds` with lengths of 0.04–5 s, each with a score, a box and a small payload,
/// like face detections. Queries run one after another, so the percentiles are latencies, not throughput.
public enum StoreBench {
    public struct Configuration: Sendable {
        public var annotations = 1_000_000
        public var batchSize = 10_000
        public var queries = 2_000
        public var mediaSeconds = 36_000.0
        public var windowSeconds = 5.0
        public var seed: UInt64 = 42

        public init() {}
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var annotations: Int
        public var batchSize: Int
        public var insertSeconds: Double
        public var insertsPerSecond: Double
        public var queries: Int
        public var meanRowsPerQuery: Double
        public var queryP50Milliseconds: Double
        public var queryP99Milliseconds: Double

        public var description: String {
            String(format: "%d annotations in batches of %d: %.0f inserts/s (%.1f s); %d window queries (mean %.0f rows): p50 %.2f ms, p99 %.2f ms",
                   annotations, batchSize, insertsPerSecond, insertSeconds, queries, meanRowsPerQuery, queryP50Milliseconds, queryP99Milliseconds)
        }
    }

    /// Runs the benchmark against a migrated, preferably empty, store; adds one media to its catalog.
    public static func run(on store: any Store, _ configuration: Configuration = Configuration()) async throws(StoreError) -> Report {
        var random = SplitMix64(seed: configuration.seed)
        guard let media = MediaID(hex: String(repeating: "be", count: 32)) else { preconditionFailure("constant media id") }
        try await store.upsertMedia(MediaRecord(id: media, location: "bench://store", probe: ProbeFacts(durationSeconds: configuration.mediaSeconds)))
        let model = try ModelVersion(name: "bench", version: "1")

        let clock = ContinuousClock()
        var inserted = 0
        var insertTime = Duration.zero
        while inserted < configuration.annotations {
            let count = min(configuration.batchSize, configuration.annotations - inserted)
            let batch = (0..<count).map { i in
                let start = random.unit() * configuration.mediaSeconds
                return Annotation(feature: .faces, start: start, end: start + 0.04 + random.unit() * 4.96, label: "face",
                                  score: random.unit(), box: BoundingBox(x: random.unit(), y: random.unit(), width: 0.1, height: 0.1),
                                  payload: "{\"track\":\(inserted + i)}", model: model)
            }
            let began = clock.now
            try await store.insertAnnotations(batch, media: media)
            insertTime += clock.now - began
            inserted += count
        }

        var latencies: [Double] = []
        var rows = 0
        for _ in 0..<configuration.queries {
            let from = random.unit() * (configuration.mediaSeconds - configuration.windowSeconds)
            let window = try TimeRange(start: from, end: from + configuration.windowSeconds)
            let began = clock.now
            rows += try await store.annotations(media: media, feature: .faces, window: window).count
            latencies.append((clock.now - began).seconds * 1000)
        }
        latencies.sort()
        let insertSeconds = insertTime.seconds
        return Report(annotations: inserted, batchSize: configuration.batchSize, insertSeconds: insertSeconds,
                      insertsPerSecond: Double(inserted) / insertSeconds, queries: configuration.queries,
                      meanRowsPerQuery: Double(rows) / Double(max(configuration.queries, 1)),
                      queryP50Milliseconds: percentile(latencies, 0.50), queryP99Milliseconds: percentile(latencies, 0.99))
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
