import CFFmpeg
import PlayheadCore

/// Decodes the primary video stream of a file frame by frame, with frame-accurate seeking.
///
/// Not thread-safe: confine one decoder to one task. `frames(...)` wraps it as an `AsyncSequence`.
public final class VideoDecoder {
    /// Facts about the file, probed when the decoder opened it.
    public let info: MediaInfo
    private let format: FormatContext
    private let codec: CodecContext
    private let stream: UnsafeMutablePointer<AVStream>
    /// One scaler and one sampler per output, in the caller's order.
    private let scalers: [Scaler]
    private var samplers: [FrameSampler]
    private let packet: Packet
    private let frame: Frame
    private let timeBase: Rational
    private let frameRate: Rational
    private let startPTS: Int64
    private var draining = false
    /// Frames earlier than this are decoded and dropped (after a seek to a non-keyframe).
    private var discardBefore: MediaTime?
    /// The pts of the seek target while it is being reached: earlier frames nothing references are skipped.
    private var prerollTarget: Int64?
    /// Every output samples at a rate and the stream's frame rate is constant, so a frame no sampler can
    /// take is known from its pts before decoding, and skipped when nothing references it.
    private let skipsUnsampled: Bool

    /// Opens `path` for decoding into `format`, sampling frames by `sampling`.
    ///
    /// - Throws: `PlayheadError` `.noVideoStream` for audio-only files, `.invalidArgument` for an
    ///   impossible output size, and the open errors of `MediaProbe.probe`.
    public convenience init(path: String, format frameFormat: FrameFormat = .rgb24, sampling: FrameSampling = .all, threads: Int = 0) throws {
        try self.init(path: path, outputs: [FrameOutput(format: frameFormat, sampling: sampling)], threads: threads)
    }

    /// Opens `path` for decoding each frame once into several outputs, each with its own format and
    /// sampling (e.g. every frame small for shot detection, a few a second large for a model).
    public init(path: String, outputs: [FrameOutput], threads: Int = 0) throws {
        guard !outputs.isEmpty else { throw PlayheadError(.invalidArgument, "a video decoder needs at least one output") }
        for output in outputs { try output.format.validate() }
        format = try FormatContext(path: path)
        info = MediaProbe.info(of: format)
        guard let stream = format.bestStream(AVMEDIA_TYPE_VIDEO), let video = info.video else {
            throw PlayheadError(.noVideoStream, "\(path) has no video stream (streams: \(info.streams.map(\.type).joined(separator: ", ")))")
        }
        guard video.width > 0, video.height > 0 else {
            throw PlayheadError(.corruptMedia, "\(path): the video stream has no frame size")
        }
        self.stream = stream
        // Only the chosen stream is demuxed into packets we look at; skip the rest cheaply.
        for other in format.streams where other != stream { other.pointee.discard = AVDISCARD_ALL }
        codec = try CodecContext(decoderFor: stream, threads: Int32(threads), path: path)
        if outputs.allSatisfy({ $0.sampling == .keyframes }) { codec.baseSkip = AVDISCARD_NONKEY }
        scalers = try outputs.map { try Scaler(format: $0.format, rotation: video.rotation) }
        packet = try Packet()
        frame = try Frame()
        timeBase = video.timeBase
        frameRate = video.frameRate
        startPTS = stream.pointee.start_time == ph_av_nopts_value() ? 0 : stream.pointee.start_time
        samplers = outputs.map { FrameSampler(sampling: $0.sampling, frameRate: video.frameRate) }
        let (average, base) = (stream.pointee.avg_frame_rate, stream.pointee.r_frame_rate)
        let constantRate = average.num > 0 && average.den > 0 && Int64(average.num) * Int64(base.den) == Int64(base.num) * Int64(average.den)
        skipsUnsampled = constantRate && outputs.allSatisfy { if case .fps = $0.sampling { true } else { false } }
    }

    /// The exact time of frame `index` at the stream's frame rate.
    public func time(ofFrame index: Int64) -> MediaTime { MediaTime(frame: index, frameRate: frameRate) }

    /// Positions the decoder so the next frame returned is the first one at or after `time`.
    ///
    /// Seeks to the keyframe at or before `time` and decodes forward, discarding frames before it, so the
    /// frame reached is bit-identical to the one reached by decoding from the start.
    public func seek(to time: MediaTime) throws {
        var backoff = MediaTime.zero
        for _ in 0..<4 {
            let target = max(time - backoff, .zero)
            let pts = startPTS + target.converted(to: timeBase.denominator).value / max(timeBase.numerator, 1)
            try check(av_seek_frame(format.pointer, stream.pointee.index, pts, AVSEEK_FLAG_BACKWARD), "seeking to \(time.seconds) s in \(format.path)")
            codec.flush()
            draining = false
            prerollTarget = startPTS + time.converted(to: timeBase.denominator).value / max(timeBase.numerator, 1)
            // Some containers land on a keyframe after the target; step further back until we are at or before it.
            guard let first = try decodeNext() else { break }
            if first.time <= time || target == .zero {
                discardBefore = time
                pending = first
                startSampling(at: time)
                return
            }
            backoff = backoff + MediaTime(value: 1, timescale: 1) + backoff
        }
        discardBefore = time
        pending = nil
        startSampling(at: time)
    }

    private func startSampling(at time: MediaTime) {
        for index in samplers.indices { samplers[index].start(at: time) }
    }

    private var pending: (time: MediaTime, index: Int64)?

    /// Decodes and converts the next frame that passes sampling; nil at the end of the stream.
    /// With several outputs, the first output's next frame.
    public func nextFrame() throws -> VideoFrame? {
        while let set = try nextFrames() {
            if let frame = set.frames[0] { return frame }
        }
        return nil
    }

    /// Decodes the next frame that at least one output samples and converts it for each output that
    /// does; nil at the end of the stream.
    public func nextFrames() throws -> FrameSet? {
        while true {
            let decoded: (time: MediaTime, index: Int64)
            if let pending {
                decoded = pending
                self.pending = nil
            } else {
                guard let next = try decodeNext() else { return nil }
                decoded = next
            }
            if let discardBefore, decoded.time < discardBefore { continue }
            discardBefore = nil
            prerollTarget = nil
            var frames: [VideoFrame?] = []
            frames.reserveCapacity(scalers.count)
            for output in scalers.indices {
                frames.append(samplers[output].accept(decoded.time) ? try scalers[output].convert(frame, index: decoded.index, time: decoded.time) : nil)
            }
            guard frames.contains(where: { $0 != nil }) else { continue }
            return FrameSet(index: decoded.index, time: decoded.time, frames: frames)
        }
    }

    /// Decodes the next raw frame into `frame`; returns its time and index.
    private func decodeNext() throws -> (time: MediaTime, index: Int64)? {
        while true {
            if format.cancellation.isSet { throw PlayheadError(.cancelled, "decoding \(format.path) was cancelled") }
            frame.unref()
            let received: CodecContext.Received
            do {
                received = try codec.receive(into: frame)
            } catch let error as PlayheadError where error.code == .decodeFailed {
                throw PlayheadError(.corruptMedia, "\(format.path) is damaged or truncated: \(error.message)")
            }
            switch received {
            case .frame:
                return stamp(frame)
            case .endOfStream:
                return nil
            case .needInput:
                if draining { return nil }
                try feed()
            }
        }
    }

    /// Sends the next packet of our stream to the decoder, or starts draining at end of file.
    private func feed() throws {
        let sent = try codec.feed(from: format, stream: stream.pointee.index, using: packet, unwanted: unwanted) { packet, error in
            let pts = packet.pointer.pointee.pts
            guard pts != ph_av_nopts_value() else {
                return PlayheadError(.corruptMedia, "\(format.path) is damaged or truncated: \(error.message)")
            }
            let seconds = Double(pts - startPTS) * timeBase.doubleValue
            return PlayheadError(.corruptMedia, "\(format.path) is damaged or truncated near \(seconds) s: \(error.message)")
        }
        if !sent { draining = true }
    }

    /// Whether nobody will look at the frame with presentation timestamp `pts`: it precedes the seek target
    /// being reached, or no output's sampler can take it.
    private func unwanted(_ pts: Int64) -> Bool {
        if let prerollTarget, pts < prerollTarget { return true }
        guard skipsUnsampled else { return false }
        let time = time(ofPTS: pts)
        return !samplers.contains { $0.mayAccept(time) }
    }

    /// Presentation time from the start of the stream.
    private func time(ofPTS pts: Int64) -> MediaTime {
        MediaTime(value: (pts - startPTS) * timeBase.numerator, timescale: timeBase.denominator)
    }

    private func stamp(_ frame: Frame) -> (time: MediaTime, index: Int64) {
        var pts = frame.pointer.pointee.best_effort_timestamp
        if pts == ph_av_nopts_value() { pts = frame.pointer.pointee.pts }
        if pts == ph_av_nopts_value() { pts = startPTS }
        let offset = pts - startPTS
        let time = time(ofPTS: pts)
        // index = round(time * fps), in integers.
        let numerator = offset * timeBase.numerator * frameRate.numerator
        let denominator = timeBase.denominator * frameRate.denominator
        let index = (2 * numerator + denominator).quotientAndRemainder(dividingBy: 2 * denominator).quotient
        return (time, numerator < 0 ? min(index, 0) : index)
    }

    /// Set from any thread to make the decoder stop at the next frame or blocking read.
    var cancellationFlag: CancellationFlag { format.cancellation }
}

@available(*, unavailable)
extension VideoDecoder: Sendable {}
