import PlayheadCore

/// Splits a file's timeline into chunks that start on keyframes, about `targetSeconds` long.
///
/// Pure: the caller supplies the duration, frame rate and keyframe times (`MediaIO.KeyframeIndex`).
/// Each boundary is the keyframe nearest to where a chunk of the target length would end, so chunks
/// are as long as the target give or take half a GOP; with a GOP longer than the target every keyframe
/// is a boundary. A remainder shorter than half the target joins the chunk before it. A file whose only
/// keyframe is the first is one chunk (every chunk would decode from it); with no keyframe list at all,
/// any frame can start a chunk, since seeking is frame-accurate.
public struct JobPlanner: Sendable, Equatable {
    /// Wanted chunk length.
    public var targetSeconds: Double
    /// How far before its start each chunk's analysis begins (for the shot detector's history).
    public var overlapSeconds: Double

    /// - Throws: `.invalidArgument` unless `targetSeconds > 0` and `overlapSeconds >= 0`.
    public init(targetSeconds: Double = 10, overlapSeconds: Double = 1) throws {
        guard targetSeconds > 0, targetSeconds.isFinite else {
            throw PlayheadError(.invalidArgument, "the chunk length must be a positive number of seconds, not \(targetSeconds)")
        }
        guard overlapSeconds >= 0, overlapSeconds.isFinite else {
            throw PlayheadError(.invalidArgument, "the chunk overlap must be zero or more seconds, not \(overlapSeconds)")
        }
        self.targetSeconds = targetSeconds
        self.overlapSeconds = overlapSeconds
    }

    /// Chunks partitioning `[0, duration)` of a stream at the constant `frameRate`; `keyframes` empty
    /// when unknown. A duration of zero or less (unknown) gives one chunk decoded to the end.
    public func plan(duration: MediaTime, frameRate: Rational, keyframes: [MediaTime]) -> [Chunk] {
        let rate = frameRate.numerator > 0 && frameRate.denominator > 0 ? frameRate : Rational(25, 1)
        let frameCount = max(1, Self.frameIndex(of: duration, frameRate: rate))
        let end = duration > .zero ? duration : MediaTime(frame: Int64(frameCount), frameRate: rate)
        let targetFrames = max(1, Int((targetSeconds * rate.doubleValue).rounded()))
        let overlapFrames = Int((overlapSeconds * rate.doubleValue).rounded(.up))

        // Candidate starts (frame index → exact time), strictly inside the file.
        let candidates: [(frame: Int, time: MediaTime)]
        if keyframes.isEmpty {
            candidates = (1..<max(frameCount, 1)).map { ($0, Self.halfFrameBefore($0, frameRate: rate)) }
        } else {
            var seen = Set<Int>()
            candidates = keyframes.sorted().compactMap { time in
                let frame = Self.frameIndex(of: time, frameRate: rate)
                guard frame > 0, frame < frameCount, seen.insert(frame).inserted else { return nil }
                return (frame, time)
            }
        }

        var starts: [(frame: Int, time: MediaTime)] = [(0, .zero)]
        var next = 0
        while let current = starts.last {
            let ideal = current.frame + targetFrames
            guard ideal < frameCount else { break }
            while next < candidates.count, candidates[next].frame <= current.frame { next += 1 }
            guard next < candidates.count else { break }
            // The nearest candidate to `ideal`: the first at or after it, or the one before if closer.
            var pick = candidates[next...].firstIndex { $0.frame >= ideal } ?? candidates.count - 1
            if pick > next, ideal - candidates[pick - 1].frame < abs(candidates[pick].frame - ideal) { pick -= 1 }
            let boundary = candidates[pick]
            guard 2 * (frameCount - boundary.frame) >= targetFrames else { break }
            starts.append(boundary)
            next = pick + 1
        }

        return starts.indices.map { index in
            let start = starts[index]
            let isLast = index == starts.count - 1
            let endFrame = isLast ? frameCount : starts[index + 1].frame
            let analysisFirstFrame = max(0, start.frame - overlapFrames)
            return Chunk(index: index, start: start.time, end: isLast ? end : starts[index + 1].time,
                         analysisStart: analysisFirstFrame == 0 ? .zero : Self.halfFrameBefore(analysisFirstFrame, frameRate: rate),
                         frames: start.frame..<endFrame, analysisFirstFrame: analysisFirstFrame, isLast: isLast)
        }
    }

    /// The frame a time falls on, rounded to the nearest as `VideoDecoder` numbers frames.
    static func frameIndex(of time: MediaTime, frameRate: Rational) -> Int {
        let numerator = time.value * frameRate.numerator
        let denominator = time.timescale * frameRate.denominator
        return Int((2 * numerator + denominator).quotientAndRemainder(dividingBy: 2 * denominator).quotient)
    }

    /// Half a frame before frame `index`: a decode from there starts exactly at that frame even when
    /// the container's timestamps are a little off the frame grid.
    static func halfFrameBefore(_ index: Int, frameRate: Rational) -> MediaTime {
        MediaTime(value: (2 * Int64(index) - 1) * frameRate.denominator, timescale: 2 * frameRate.numerator)
    }
}
