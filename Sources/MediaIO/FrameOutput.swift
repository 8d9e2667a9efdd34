import PlayheadCore

/// One of the conversions a decoder makes from each decoded frame: pixels and sampling.
public struct FrameOutput: Sendable, Hashable {
    public var format: FrameFormat
    public var sampling: FrameSampling

    public init(format: FrameFormat, sampling: FrameSampling = .all) {
        self.format = format
        self.sampling = sampling
    }
}

/// One decoded frame converted for each output that sampled it.
public struct FrameSet: Sendable {
    /// 0-based index of the frame in the stream.
    public var index: Int64
    /// Presentation time from the start of the stream.
    public var time: MediaTime
    /// One entry per output, in the decoder's output order; nil where that output skipped the frame.
    public var frames: [VideoFrame?]
}
