import Dispatch
import MediaIO
import PlayheadCore
import Synchronization

/// One session's decoder, kept open for the session's life: forward playback continues from where the
/// last frame was decoded; a frame behind the decoder or far ahead of it repositions with a
/// frame-accurate seek.
///
/// Frames come at the session's analysis fps (frame `k` is the source frame nearest `k / fps`), each
/// converted once for every feature's model. Recent frames are cached, because every feature of a frame
/// is a separate work item.
final class SessionDecoder: @unchecked Sendable {
    // Safe: `decoder`, `cache` and `nextIndex` are only touched on `queue`; the rest is immutable.
    let info: MediaInfo
    let fps: Rational
    private let queue: DispatchQueue
    private let decoder: VideoDecoder
    private let halfSourceFrame: MediaTime
    private var cache: [Int64: FrameSet] = [:]
    /// The analysis frame the decoder's next sampled frame will cover first; mirrors its sampler.
    private var nextIndex: Int64 = 0

    /// Frames kept for items of other features of the same or nearby frames.
    static let cachedFrames = 12
    /// A frame at most this far ahead of the decoder is reached by decoding forward, not by seeking.
    static let forwardReach = MediaTime(value: 2, timescale: 1)

    private init(info: MediaInfo, fps: Rational, queue: DispatchQueue, decoder: VideoDecoder, sourceRate: Rational) {
        self.info = info
        self.fps = fps
        self.queue = queue
        self.decoder = decoder
        let frame = MediaTime(frame: 1, frameRate: sourceRate)
        halfSourceFrame = MediaTime(value: frame.value, timescale: frame.timescale * 2)
    }

    /// Opens `path` on a queue of its own (opening probes the file, which blocks), converting each
    /// analysis frame into every format in `formats`, in that order.
    static func open(path: String, formats: [FrameFormat], fps: Rational) async throws -> SessionDecoder {
        let queue = DispatchQueue(label: "playhead.session.decode")
        let result: Result<SessionDecoder, any Error> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result {
                    let decoder = try VideoDecoder(path: path, outputs: formats.map { FrameOutput(format: $0, sampling: .fps(fps)) })
                    guard let video = decoder.info.video else {
                        throw PlayheadError(.noVideoStream, "\(path) has no video stream")
                    }
                    return SessionDecoder(info: decoder.info, fps: fps, queue: queue, decoder: decoder, sourceRate: video.frameRate)
                })
            }
        }
        return try result.get()
    }

    /// Analysis frame `index` converted for every format; nil when the media ends before it.
    ///
    /// Cancelling the caller stops decoding at the next frame and throws `CancellationError`.
    func frames(at index: Int64) async throws -> FrameSet? {
        let cancelled = Flag()
        return try await withTaskCancellationHandler {
            let result: Result<FrameSet?, any Error> = await withCheckedContinuation { continuation in
                queue.async {
                    continuation.resume(returning: Result { try self.decode(index, cancelled: cancelled) })
                }
            }
            return try result.get()
        } onCancel: {
            cancelled.set()
        }
    }

    private func decode(_ index: Int64, cancelled: Flag) throws -> FrameSet? {
        if let cached = cache[index] { return cached }
        // Queued before its caller was cancelled (a seek moved away): repositioning for it would only
        // cost the next frame another seek.
        if cancelled.isSet { throw CancellationError() }
        let target = MediaTime(frame: index, frameRate: fps)
        if index < nextIndex || target - MediaTime(frame: nextIndex, frameRate: fps) > Self.forwardReach {
            try reposition(to: target)
        }
        while !cancelled.isSet {
            guard let set = try decoder.nextFrames() else { return nil }
            let first = nextIndex
            // The same rule as the decoder's sampler: the frame covers every sample time before its midpoint to the next frame.
            let halfAfter = set.time + halfSourceFrame
            while MediaTime(frame: nextIndex, frameRate: fps) < halfAfter { nextIndex += 1 }
            for covered in first..<nextIndex { cache[covered] = set }
            evict()
            if nextIndex > index { return cache[index] ?? set }
        }
        throw CancellationError()
    }

    /// Seeks so the next sampled frame is the one nearest `target`: frames up to half a source frame
    /// before it still count as nearest.
    private func reposition(to target: MediaTime) throws {
        let start = target < halfSourceFrame ? MediaTime.zero : target - halfSourceFrame
        try decoder.seek(to: start)
        cache.removeAll(keepingCapacity: true)
        // The decoder's sampler starts at the first sample time at or after `start`.
        nextIndex = max(0, Int64((start.seconds * fps.doubleValue).rounded(.down)) - 1)
        while MediaTime(frame: nextIndex, frameRate: fps) < start { nextIndex += 1 }
    }

    private func evict() {
        guard cache.count > Self.cachedFrames else { return }
        for index in cache.keys.sorted().prefix(cache.count - Self.cachedFrames) { cache[index] = nil }
    }

    /// Set by the caller's cancellation handler, read by the decode loop between frames.
    private final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .relaxed) }
        func set() { value.store(true, ordering: .relaxed) }
    }
}
