import CFFmpeg
import PlayheadCore

/// Owns an `AVPacket`.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() throws {
        guard let packet = av_packet_alloc() else { throw PlayheadError(.internal, "av_packet_alloc: out of memory") }
        pointer = packet
    }

    func unref() { av_packet_unref(pointer) }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }
}

@available(*, unavailable)
extension Packet: Sendable {}

/// Owns an `AVFrame`.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() throws {
        guard let frame = av_frame_alloc() else { throw PlayheadError(.internal, "av_frame_alloc: out of memory") }
        pointer = frame
    }

    func unref() { av_frame_unref(pointer) }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }
}

@available(*, unavailable)
extension Frame: Sendable {}
