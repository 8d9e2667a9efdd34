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
    private var nextSample: Int64 = 0

    init(sampling: FrameSampling, frameRate: Rational) {
        self.sampling = sampling
        self.frameDuration = MediaTime(frame: 1, frameRate: frameRate)
    }

    /// Starts sampling at `time`: the first sample time is the first multiple of 1/rate at or after it.
    mutating func start(at time: MediaTime) {
        guard case .fps(let rate) = sampling, rate.numerator > 0 else { return }
        // ceil(time * rate)
        let numerator = time.value * rate.numerator
        let denominator = time.timescale * rate.denominator
        nextSample = numerator <= 0 ? 0 : (numerator + denominator - 1) / denominator
    }

    /// Whether a frame at `time` might be accepted, asked before it is decoded and without the sampler's
    /// state: true when a sample time lies in [time − d, time + d/2), one frame duration `d` wider on the
    /// left than the half-frame the frame covers, so that a frame `accept` would take is never ruled out at
    /// a constant frame rate.
    func mayAccept(_ time: MediaTime) -> Bool {
        guard case .fps(let rate) = sampling, rate.numerator > 0 else { return true }
        let from = time - frameDuration
        // The first sample at or after `from`: ceil(from * rate).
        let numerator = from.value * rate.numerator
        let denominator = from.timescale * rate.denominator
        let first = numerator <= 0 ? 0 : (numerator + denominator - 1) / denominator
        return MediaTime(frame: first, frameRate: rate) < time + MediaTime(value: frameDuration.value, timescale: frameDuration.timescale * 2)
    }

    mutating func accept(_ time: MediaTime) -> Bool {
        guard case .fps(let rate) = sampling, rate.numerator > 0 else { return true }
        // A frame covers [time - d/2, time + d/2) for rounding to the nearest frame.
        let halfAfter = time + MediaTime(value: frameDuration.value, timescale: frameDuration.timescale * 2)
        var accepted = false
        while MediaTime(frame: nextSample, frameRate: rate) < halfAfter {
            accepted = true
            nextSample += 1
        }
        return accepted
    }
}
