import MediaIO
import PlayheadCore

/// Everything a worker needs to compute its chunk of a job, stored as the job's parameters: the options,
/// the stream's frame rate and duration, and the planned chunks (tasks name their chunk by time range).
public struct JobSpec: Sendable, Codable, Equatable {
    public var options: AnalysisOptions
    public var frameRate: Rational
    /// Seconds; the memoization keys of the job's results cover `[0, duration]`.
    public var duration: Double
    public var chunks: [Chunk]

    public init(options: AnalysisOptions, frameRate: Rational, duration: Double, chunks: [Chunk]) {
        self.options = options
        self.frameRate = frameRate
        self.duration = duration
        self.chunks = chunks
    }

    /// Plans `path`: keyframe-aligned chunks of `options.chunkSeconds` (one chunk when 0), or one chunk for
    /// a file without video (speech only).
    ///
    /// - Throws: `.noVideoStream` when a video feature is requested of a file without video.
    public static func plan(path: String, info: MediaInfo, options: AnalysisOptions) async throws -> JobSpec {
        let duration = info.video?.duration ?? info.duration ?? 0
        guard let video = info.video else {
            if !options.videoFeatures.isEmpty {
                throw PlayheadError(.noVideoStream, "\(path) has no video stream to analyse for \(options.videoFeatures.joined(separator: ", "))")
            }
            let whole = Chunk(index: 0, start: .zero, end: MediaTime(seconds: duration), analysisStart: .zero, frames: 0..<0,
                              analysisFirstFrame: 0, isLast: true)
            return JobSpec(options: options, frameRate: Rational(25, 1), duration: duration, chunks: [whole])
        }
        // One chunk (a target past the end) needs no keyframe list, which costs a pass over every packet.
        let planner = try JobPlanner(targetSeconds: options.chunkSeconds > 0 ? options.chunkSeconds : duration + 1)
        let keyframes = options.chunkSeconds > 0 ? try await KeyframeIndex.read(path: path).times : []
        return JobSpec(options: options, frameRate: video.frameRate, duration: duration,
                       chunks: planner.plan(duration: MediaTime(seconds: duration), frameRate: video.frameRate, keyframes: keyframes))
    }

    /// The chunk a task covers.
    public func chunk(startingAt start: Double) -> Chunk? {
        chunks.first { abs($0.start.seconds - start) < 1e-9 }
    }
}
