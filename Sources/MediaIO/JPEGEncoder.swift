import CFFmpeg
import Foundation
import PlayheadCore

/// Encodes RGB24 frames as JPEG through libavcodec's MJPEG encoder (thumbnails for reports).
public enum JPEGEncoder {
    /// Encodes an `.rgb24` frame. `quality` is 1 (worst) … 31 (best)… inverted: FFmpeg's qscale, 2 is near-lossless.
    public static func encode(_ frame: VideoFrame, qscale: Int = 4) throws -> Data {
        guard let rgb = frame.pixels.rgb else {
            throw PlayheadError(.invalidArgument, "JPEG encoding needs an rgb24 frame, got \(frame.layout)")
        }
        return try encode(rgb: rgb, width: frame.width, height: frame.height, qscale: qscale)
    }

    /// Encodes interleaved RGB bytes (`width * height * 3`).
    public static func encode(rgb: [UInt8], width: Int, height: Int, qscale: Int = 4) throws -> Data {
        guard width > 0, height > 0, width <= FrameFormat.maxSide, height <= FrameFormat.maxSide, rgb.count == width * height * 3 else {
            throw PlayheadError(.invalidArgument, "JPEG encoding needs width*height*3 bytes with sides in 1...\(FrameFormat.maxSide)")
        }
        guard (1...31).contains(qscale) else { throw PlayheadError(.invalidArgument, "JPEG qscale \(qscale) is outside 1...31") }
        _ = silenceFFmpegLogging
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw PlayheadError(.encodeFailed, "this FFmpeg build has no MJPEG encoder")
        }
        let encoder = try EncoderContext(codec: codec)
        let context = encoder.pointer
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        context.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointee.flags |= AV_CODEC_FLAG_QSCALE
        context.pointee.global_quality = Int32(qscale) * FF_QP2LAMBDA
        try check(avcodec_open2(context, codec, nil), "opening the JPEG encoder", code: .encodeFailed)

        let yuv = try Frame()
        yuv.pointer.pointee.width = Int32(width)
        yuv.pointer.pointee.height = Int32(height)
        yuv.pointer.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        yuv.pointer.pointee.quality = context.pointee.global_quality
        try check(av_frame_get_buffer(yuv.pointer, 0), "allocating a JPEG frame", code: .encodeFailed)
        guard let scaler = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGB24, Int32(width), Int32(height),
                                          AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nil, nil, nil) else {
            throw PlayheadError(.encodeFailed, "cannot convert RGB to YUV for JPEG")
        }
        defer { sws_freeContext(scaler) }
        rgb.withUnsafeBufferPointer { source in
            var planes: [UnsafePointer<UInt8>?] = [source.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(width * 3), 0, 0, 0]
            withUnsafeMutablePointer(to: &yuv.pointer.pointee.data) { data in
                withUnsafeMutablePointer(to: &yuv.pointer.pointee.linesize) { linesize in
                    data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                        linesize.withMemoryRebound(to: Int32.self, capacity: 8) { dstStrides in
                            _ = sws_scale(scaler, &planes, &strides, 0, Int32(height), dst, dstStrides)
                        }
                    }
                }
            }
        }
        let packet = try Packet()
        try check(avcodec_send_frame(context, yuv.pointer), "encoding a JPEG", code: .encodeFailed)
        try check(avcodec_send_frame(context, nil), "finishing a JPEG", code: .encodeFailed)
        try check(avcodec_receive_packet(context, packet.pointer), "receiving a JPEG", code: .encodeFailed)
        return Data(bytes: packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size))
    }
}

/// Owns an encoder `AVCodecContext`.
final class EncoderContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    init(codec: UnsafePointer<AVCodec>) throws {
        guard let context = avcodec_alloc_context3(codec) else { throw PlayheadError(.internal, "avcodec_alloc_context3: out of memory") }
        pointer = context
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&context)
    }
}
