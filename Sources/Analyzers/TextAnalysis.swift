import MediaIO
import PlayheadCore

/// Reads on-screen text over a file's sampled frames and joins the reads into time-ranged items.
public struct TextAnalysis: Sendable {
    public let reader: TextReader
    /// Frames a second to read. One is enough for overlays and captions, which stay up for seconds,
    /// and keeps text among the cheapest analyses.
    public let samplesPerSecond: Rational
    /// Frames in flight at once: enough to overlap decoding with inference, few enough to bound memory.
    public let maxInFlight: Int

    public init(reader: TextReader, samplesPerSecond: Rational = Rational(1, 1), maxInFlight: Int = 2) {
        self.reader = reader
        self.samplesPerSecond = samplesPerSecond
        self.maxInFlight = max(1, maxInFlight)
    }

    /// Text items in `path`; `progress` is called with each decoded frame's time.
    public func run(path: String, progress: @Sendable (MediaTime) -> Void = { _ in }) async throws -> [TextItem] {
        try await VideoAnalysis(text: .init(reader, sampling: .fps(samplesPerSecond)), maxInFlight: maxInFlight)
            .run(path: path, progress: progress).text ?? []
    }
}
