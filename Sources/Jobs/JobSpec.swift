import MediaIO
import PlayheadCore
import Store

/// Everything a worker needs to compute its part of a job, stored as the job's parameters: the options,
/// the stream's frame rate and duration, the planned segments and the tasks that group them.
///
/// A segment is the unit of stitching and of checkpoints: a worker saves each finished segment's result
/// with its lease, so a task taken over after its worker died resumes at the first unfinished segment.
/// A task is the unit of leasing: consecutive segments of about `options.chunkSeconds` (all of them when 0).
public struct JobSpec: Sendable, Codable, Equatable {
    public var options: AnalysisOptions
    public var frameRate: Rational
    /// Seconds; the memoization keys of the job's results cover `[0, duration]`.
    public var duration: Double
    /// Keyframe-aligned segments partitioning the file, in order.
    public var segments: [Chunk]
    /// Each task's segments, as index ranges into `segments`.
    public var tasks: [Range<Int>]

    public init(options: AnalysisOptions, frameRate: Rational, duration: Double, segments: [Chunk], tasks: [Range<Int>]) {
        self.options = options
        self.frameRate = frameRate
        self.duration = duration
        self.segments = segments
        self.tasks = tasks
    }

    /// Plans `path`: keyframe-aligned segments of at most `checkpointSeconds` (shorter when the chunks
    /// are), grouped into tasks of about `options.chunkSeconds` (one task when 0); one segment for a file
    /// without video (speech only).
    ///
    /// - Throws: `.noVideoStream` when a video feature is requested of a file without video.
    public static func plan(path: String, info: MediaInfo, options: AnalysisOptions, checkpointSeconds: Double = 60) async throws -> JobSpec {
        let duration = info.video?.duration ?? info.duration ?? 0
        guard let video = info.video else {
            if !options.videoFeatures.isEmpty {
                throw PlayheadError(.noVideoStream, "\(path) has no video stream to analyse for \(options.videoFeatures.joined(separator: ", "))")
            }
            let whole = Chunk(index: 0, start: .zero, end: MediaTime(seconds: duration), analysisStart: .zero, frames: 0..<0,
                              analysisFirstFrame: 0, isLast: true)
            return JobSpec(options: options, frameRate: Rational(25, 1), duration: duration, segments: [whole], tasks: [0..<1])
        }
        let segmentSeconds = options.chunkSeconds > 0 ? min(options.chunkSeconds, checkpointSeconds) : checkpointSeconds
        // A file shorter than a segment is one segment, which needs no keyframe list (a pass over every packet).
        let keyframes = duration > segmentSeconds ? try await KeyframeIndex.read(path: path).times : []
        let segments = try JobPlanner(targetSeconds: segmentSeconds)
            .plan(duration: MediaTime(seconds: duration), frameRate: video.frameRate, keyframes: keyframes)
        var tasks: [Range<Int>] = []
        var first = 0
        for (index, segment) in segments.enumerated() {
            let length = segment.end.seconds - segments[first].start.seconds
            if index == segments.count - 1 || (options.chunkSeconds > 0 && length >= options.chunkSeconds * 0.75) {
                tasks.append(first..<(index + 1))
                first = index + 1
            }
        }
        return JobSpec(options: options, frameRate: video.frameRate, duration: duration, segments: segments, tasks: tasks)
    }

    /// Each task's time range, as the store's tasks name them.
    public func taskRanges() throws -> [TimeRange] {
        try tasks.map { try TimeRange(start: segments[$0.lowerBound].start.seconds, end: segments[$0.upperBound - 1].end.seconds) }
    }

    /// The segments of the task starting at `start`.
    public func segments(ofTaskStartingAt start: Double) -> ArraySlice<Chunk>? {
        tasks.first { abs(segments[$0.lowerBound].start.seconds - start) < 1e-9 }.map { segments[$0] }
    }
}
