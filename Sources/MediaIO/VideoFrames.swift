import PlayheadCore

/// Decoded frames of a file as an `AsyncSequence`, optionally limited to a time range.
///
/// Each iteration opens its own decoder, so the sequence is `Sendable` and can be iterated in any task;
/// cancelling that task stops decoding at the next frame or blocking read.
public struct VideoFrames: AsyncSequence, Sendable {
    public typealias Element = VideoFrame
    public let path: String
    public let format: FrameFormat
    public let sampling: FrameSampling
    /// Frames with `start <= time < end`; nil bounds are open.
    public let start: MediaTime?
    public let end: MediaTime?
    public let threads: Int

    public init(path: String, format: FrameFormat = .rgb24, sampling: FrameSampling = .all,
                from start: MediaTime? = nil, to end: MediaTime? = nil, threads: Int = 0) {
        self.path = path
        self.format = format
        self.sampling = sampling
        self.start = start
        self.end = end
        self.threads = threads
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(sets: VideoFrameSets(path: path, outputs: [FrameOutput(format: format, sampling: sampling)],
                                      from: start, to: end, threads: threads).makeAsyncIterator())
    }

    public struct Iterator: AsyncIteratorProtocol {
        var sets: VideoFrameSets.Iterator

        public mutating func next() async throws -> VideoFrame? {
            try await sets.next().flatMap { $0.frames[0] }
        }
    }
}

/// Each frame of a file decoded once and converted for several outputs, as an `AsyncSequence` of
/// `FrameSet`s: the way one decode feeds several analyzers with different sizes and sampling rates.
public struct VideoFrameSets: AsyncSequence, Sendable {
    public typealias Element = FrameSet
    public let path: String
    public let outputs: [FrameOutput]
    /// Frames with `start <= time < end`; nil bounds are open.
    public let start: MediaTime?
    public let end: MediaTime?
    public let threads: Int

    public init(path: String, outputs: [FrameOutput], from start: MediaTime? = nil, to end: MediaTime? = nil, threads: Int = 0) {
        self.path = path
        self.outputs = outputs
        self.start = start
        self.end = end
        self.threads = threads
    }

    public func makeAsyncIterator() -> Iterator { Iterator(sets: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let sets: VideoFrameSets
        var decoder: DecodeThread<VideoDecoder>?
        var cancellation: CancellationFlag?
        var finished = false

        public mutating func next() async throws -> FrameSet? {
            guard !finished else { return nil }
            try Task.checkCancellation()
            if decoder == nil {
                let sets = sets
                let opened = try await DecodeThread.open(label: "video") {
                    let decoder = try VideoDecoder(path: sets.path, outputs: sets.outputs, threads: sets.threads)
                    if let start = sets.start, start > .zero { try decoder.seek(to: start) }
                    return decoder
                }
                cancellation = try await opened.run { $0.cancellationFlag }
                decoder = opened
            }
            guard let decoder, let flag = cancellation else { return nil }
            let set = try await withTaskCancellationHandler {
                try await decoder.run { try $0.nextFrames() }
            } onCancel: {
                flag.set()
            }
            guard let set, sets.end.map({ set.time < $0 }) ?? true else {
                finished = true
                self.decoder = nil
                return nil
            }
            return set
        }
    }
}
