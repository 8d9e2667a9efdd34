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

    /// Text items in `path`; `progress` is called with each analysed frame's time, in completion order.
    public func run(path: String, progress: @Sendable (MediaTime) -> Void = { _ in }) async throws -> [TextItem] {
        guard let video = try MediaProbe.probe(path).video else {
            throw PlayheadError(.noVideoStream, "\(path) has no video stream to read text in")
        }
        let reader = self.reader
        let format = TextReader.frameFormat(sourceWidth: video.width, sourceHeight: video.height)
        let perFrame = try await analyzeFrames(VideoFrames(path: path, format: format, sampling: .fps(samplesPerSecond)),
                                               maxInFlight: maxInFlight, progress: progress) { try await reader.read($0) }
        var tracker = TextTracker(samplesPerSecond: samplesPerSecond.doubleValue)
        for (time, lines) in perFrame { tracker.update(time: time.seconds, lines: lines) }
        return tracker.items()
    }
}
