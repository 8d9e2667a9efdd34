import CFFmpeg
import PlayheadCore

/// Owns an opened decoder `AVCodecContext` for one stream.
final class CodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    /// Opens a decoder for `stream`. `threads` 0 lets FFmpeg pick (one per core).
    init(decoderFor stream: UnsafeMutablePointer<AVStream>, threads: Int32 = 0, path: String) throws {
        let parameters = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw PlayheadError(.unsupportedFormat, "\(path): no decoder for codec '\(name)' in this FFmpeg build")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw PlayheadError(.internal, "avcodec_alloc_context3: out of memory") }
        pointer = context
        try check(avcodec_parameters_to_context(context, parameters), "copying codec parameters of \(path)", code: .corruptMedia)
        context.pointee.thread_count = threads
        context.pointee.pkt_timebase = stream.pointee.time_base
        try check(avcodec_open2(context, codec, nil), "opening the \(String(cString: codec.pointee.name)) decoder for \(path)", code: .corruptMedia)
    }

    /// Sends a packet (nil = drain). EAGAIN is not an error: the caller must receive frames first.
    func send(_ packet: Packet?) throws -> Bool {
        let status = avcodec_send_packet(pointer, packet?.pointer)
        if status == ph_averror_eagain() || status == ph_averror_eof() { return false }
        try check(status, "decoding a packet")
        return true
    }

    enum Received { case frame, needInput, endOfStream }

    func receive(into frame: Frame) throws -> Received {
        let status = avcodec_receive_frame(pointer, frame.pointer)
        if status == ph_averror_eagain() { return .needInput }
        if status == ph_averror_eof() { return .endOfStream }
        try check(status, "decoding a frame")
        return .frame
    }

    func flush() { avcodec_flush_buffers(pointer) }

    /// What the decoder skips when no seek is being reached (e.g. everything but keyframes).
    var baseSkip: AVDiscard = AVDISCARD_DEFAULT {
        didSet { pointer.pointee.skip_frame = baseSkip }
    }

    /// Reads packets of stream `streamIndex` from `format` until one is sent to the decoder (true), or
    /// drains the decoder at end of file (false). A packet the decoder rejects becomes the caller's
    /// `damaged(packet, error)`, so each stream kind can say where and what was damaged.
    ///
    /// Packets whose pts `unwanted` says nobody will look at (e.g. before a seek target, or between sampled
    /// frames) are not decoded at all when no other frame references them, which leaves every other frame
    /// bit-identical.
    func feed(from format: FormatContext, stream streamIndex: Int32, using packet: Packet, unwanted: ((Int64) -> Bool)? = nil,
              damaged: (Packet, PlayheadError) -> PlayheadError) throws -> Bool {
        while true {
            packet.unref()
            let atEnd = try !format.read(into: packet)
            if !atEnd && packet.pointer.pointee.stream_index != streamIndex { continue }
            if baseSkip == AVDISCARD_DEFAULT {
                let pts = packet.pointer.pointee.pts
                let skippable = !atEnd && pts != ph_av_nopts_value() && unwanted?(pts) == true
                pointer.pointee.skip_frame = skippable ? AVDISCARD_NONREF : AVDISCARD_DEFAULT
            }
            do {
                // nil drains the decoder; a decoder may only then notice that the last packet was cut short.
                _ = try send(atEnd ? nil : packet)
            } catch let error as PlayheadError where error.code == .decodeFailed {
                throw damaged(packet, error)
            }
            return !atEnd
        }
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&context)
    }
}

@available(*, unavailable)
extension CodecContext: Sendable {}
