import Analyzers
import MediaIO
import PlayheadCore

/// Analyses a file in keyframe-aligned chunks on a pool of in-process workers, then stitches the
/// chunks into the whole-file result (`Stitcher`).
///
/// Each worker runs `analysis` over its chunk's time range only, decoding it with a decoder of its own,
/// so chunks progress in parallel; at most `workers` chunks are in progress at once. Speech runs once
/// over the whole audio track, beside the chunks: audio decoding (`AudioSamples`) has no time range,
/// and the VAD costs little next to the video models.
public struct ChunkedAnalysis: Sendable {
    /// The analyzers each chunk runs; its shot detector gives the frame rate and parameters of each
    /// chunk's fresh detector.
    public var analysis: VideoAnalysis
    public var speech: SpeechDetector?
    public var planner: JobPlanner
    /// Chunks analysed at once.
    public var workers: Int

    public init(analysis: VideoAnalysis, speech: SpeechDetector? = nil, planner: JobPlanner, workers: Int) {
        self.analysis = analysis
        self.speech = speech
        self.planner = planner
        self.workers = max(1, workers)
    }

    /// Plans the chunks of `path`: probe, keyframe index, `planner`.
    public func plan(path: String) async throws -> (chunks: [Chunk], frameRate: Rational) {
        guard let video = try MediaProbe.probe(path).video else {
            throw PlayheadError(.noVideoStream, "\(path) has no video stream to analyse in chunks")
        }
        let keyframes = try await KeyframeIndex.read(path: path)
        let duration = video.duration.map { MediaTime(seconds: $0) } ?? .zero
        return (planner.plan(duration: duration, frameRate: video.frameRate, keyframes: keyframes.times), video.frameRate)
    }

    /// Analyses `path`; `progress` is called with the number of chunks done after each one finishes.
    public func run(path: String, progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async throws -> StitchedResult {
        let (chunks, frameRate) = try await plan(path: path)
        async let speechSegments = speech?.detect(path: path)
        var results: [ChunkResult] = []
        if !analysis.isEmpty {
            results = try await withThrowingTaskGroup(of: ChunkResult.self) { group in
                var next = 0
                func startNext() {
                    let chunk = chunks[next]
                    group.addTask { try await analyse(path: path, chunk: chunk) }
                    next += 1
                }
                while next < min(workers, chunks.count) { startNext() }
                var done: [ChunkResult] = []
                while let result = try await group.next() {
                    done.append(result)
                    progress(done.count, chunks.count)
                    if next < chunks.count { startNext() }
                }
                return done.sorted { $0.index < $1.index }
            }
        }
        let stitcher = Stitcher(frameRate: frameRate.doubleValue, shotParameters: analysis.shots?.parameters ?? .init(),
                                textSamplesPerSecond: analysis.text.map { Self.samplesPerSecond($0.sampling, frameRate: frameRate.doubleValue) } ?? 1)
        var result = results.isEmpty ? StitchedResult() : try stitcher.stitch(results)
        result.speech = try await speechSegments
        return result
    }

    /// What one worker does with one chunk: analyse from `analysisStart` to `end` and keep, in whole-file
    /// terms, what `Stitcher` needs. `progress` is called with each decoded frame's time.
    public func analyse(path: String, chunk: Chunk, progress: @Sendable (MediaTime) -> Void = { _ in }) async throws -> ChunkResult {
        var analysis = analysis
        analysis.shots = analysis.shots.map { ShotDetector(frameRate: $0.frameRate, parameters: $0.parameters) }
        let found = try await analysis.run(path: path, from: chunk.index == 0 ? nil : chunk.analysisStart,
                                           to: chunk.isLast ? nil : chunk.end, progress: progress)
        var result = ChunkResult(index: chunk.index, start: chunk.start, end: chunk.end, frames: chunk.frames,
                                 framesDecoded: found.framesDecoded)
        if let shots = found.shots {
            // Frame indices count from the first frame analysed; a stream that does not keep its constant
            // frame rate would put them in the wrong place, so that is an error rather than a wrong answer.
            let analysed = chunk.analysisFirstFrame..<(chunk.analysisFirstFrame + shots.frameCount)
            if chunk.isLast {
                result.frames = chunk.frames.lowerBound..<max(chunk.frames.lowerBound, analysed.upperBound)
            } else if analysed.upperBound != chunk.frames.upperBound {
                throw PlayheadError(.unsupportedFormat, "\(path): chunk \(chunk.index) has \(shots.frameCount) frames from \(chunk.analysisStart.seconds) s where a constant frame rate gives \(chunk.frames.upperBound - chunk.analysisFirstFrame); analyse it whole")
            }
            result.transitions = shots.transitions.map {
                ShotTransition(type: $0.type, startFrame: $0.startFrame + analysed.lowerBound, endFrame: $0.endFrame + analysed.lowerBound)
            }
            result.shotScores = Array(shots.scores.dropFirst(chunk.frames.lowerBound - analysed.lowerBound))
        }
        let owned = { (time: MediaTime) in time >= chunk.start || chunk.index == 0 }
        result.faces = found.faceSamples?.filter { owned($0.time) }.map { FaceSample(time: $0.time, faces: $0.faces) }
        result.text = found.textSamples?.filter { owned($0.time) }.map { TextSample(time: $0.time, lines: $0.lines) }
        result.safety = found.safetySamples?.filter { owned($0.time) }.map { SafetySample(time: $0.time, detections: $0.detections) }
        return result
    }

    /// Samples a second of a lane at `frameRate` (as `VideoAnalysis` counts them for its trackers).
    static func samplesPerSecond(_ sampling: FrameSampling, frameRate: Double) -> Double {
        switch sampling {
        case .fps(let rate): min(rate.doubleValue, frameRate)
        case .all: frameRate
        case .keyframes: 1
        }
    }
}
