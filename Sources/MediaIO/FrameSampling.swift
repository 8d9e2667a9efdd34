import PlayheadCore

/// Which decoded frames reach the caller.
public enum FrameSampling: Sendable, Hashable {
    /// Every frame.
    case all
    /// About `rate` frames a second: for each sample time k/rate, the frame nearest to it.
    case fps(Rational)
    /// Keyframes only; the decoder skips the rest without decoding them.
    case keyframes
}

/// Decides, frame by frame, whether a frame is the one nearest to the next sample time.
struct FrameSampler {
    let sampling: FrameSampling
    let frameDuration: MediaTime
    /// Half a frame: a frame covers [time − d/2, time + d/2) for rounding to the nearest frame.
    private let halfFrame: MediaTime
    private var nextSample: Int64 = 0

    init(sampling: FrameSampling, frameRate: Rational) {
        self.sampling = sampling
        frameDuration = MediaTime(frame: 1, frameRate: frameRate)
        halfFrame = MediaTime(value: frameDuration.value, timescale: frameDuration.timescale * 2)
    }

    /// Starts sampling at `time`: the first sample time is the first multiple of 1/rate at or after it.
    mutating func start(at time: MediaTime) {
        guard case .fps(let rate) = sampling, rate.numerator > 0 else { return }
        nextSample = Self.firstSample(atOrAfter: time, rate: rate)
    }

    /// Whether a frame at `time` might be accepted, asked before it is decoded and without the sampler's
    /// state: true when a sample time lies in [time − d, time + d/2), one frame duration `d` wider on the
    /// left than the half-frame the frame covers, so that a frame `accept` would take is never ruled out at
    /// a constant frame rate.
    func mayAccept(_ time: MediaTime) -> Bool {
        guard case .fps(let rate) = sampling, rate.numerator > 0 else { return true }
        let first = Self.firstSample(atOrAfter: time - frameDuration, rate: rate)
        return MediaTime(frame: first, frameRate: rate) < time + halfFrame
    }

    mutating func accept(_ time: MediaTime) -> Bool {
        guard case .fps(let rate) = sampling, rate.numerator > 0 else { return true }
        let halfAfter = time + halfFrame
        var accepted = false
        while MediaTime(frame: nextSample, frameRate: rate) < halfAfter {
            accepted = true
            nextSample += 1
        }
        return accepted
    }

    /// ceil(time × rate), and 0 for times before the start.
    private static func firstSample(atOrAfter time: MediaTime, rate: Rational) -> Int64 {
        let numerator = time.value * rate.numerator
        let denominator = time.timescale * rate.denominator
        return numerator <= 0 ? 0 : (numerator + denominator - 1) / denominator
    }
}
