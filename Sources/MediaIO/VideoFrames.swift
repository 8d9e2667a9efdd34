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

    public func makeAsyncIterator() -> Iterator { Iterator(frames: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let frames: VideoFrames
        var decoder: DecodeThread<VideoDecoder>?
        var cancellation: CancellationFlag?
        var finished = false

        public mutating func next() async throws -> VideoFrame? {
            guard !finished else { return nil }
            try Task.checkCancellation()
            if decoder == nil {
                let frames = frames
                let opened = try await DecodeThread.open(label: "video") {
                    let decoder = try VideoDecoder(path: frames.path, format: frames.format, sampling: frames.sampling, threads: frames.threads)
                    if let start = frames.start, start > .zero { try decoder.seek(to: start) }
                    return decoder
                }
                cancellation = try await opened.run { $0.cancellationFlag }
                decoder = opened
            }
            guard let decoder, let flag = cancellation else { return nil }
            let frame = try await withTaskCancellationHandler {
                try await decoder.run { try $0.nextFrame() }
            } onCancel: {
                flag.set()
            }
            guard let frame, frames.end.map({ frame.time < $0 }) ?? true else {
                finished = true
                self.decoder = nil
                return nil
            }
            return frame
        }
    }
}
