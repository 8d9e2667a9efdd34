import CFFmpeg
import PlayheadCore

/// Reads container and stream facts of a media file through libavformat.
public enum MediaProbe {
    /// Probes the file at `path`. Throws `PlayheadError` with `.fileNotFound`, `.emptyFile`,
    /// `.unsupportedFormat` or `.corruptMedia` when the file cannot be read as media.
    public static func probe(_ path: String) throws -> MediaInfo {
        let format = try FormatContext(path: path)
        return info(of: format)
    }

    static func info(of format: FormatContext) -> MediaInfo {
        let context = format.pointer.pointee
        let duration = context.duration > 0 ? Double(context.duration) / Double(ph_av_time_base()) : nil
        let streams = format.streams.map { stream in
            StreamInfo(index: Int(stream.pointee.index), type: mediaTypeName(stream.pointee.codecpar.pointee.codec_type),
                       codec: String(cString: avcodec_get_name(stream.pointee.codecpar.pointee.codec_id)))
        }
        let size = context.pb.map { avio_size($0) } ?? 0
        return MediaInfo(
            path: format.path,
            container: String(cString: context.iformat.pointee.name),
            duration: duration,
            sizeBytes: max(size, 0),
            bitRate: context.bit_rate > 0 ? context.bit_rate : nil,
            video: format.bestStream(AVMEDIA_TYPE_VIDEO).map { videoInfo($0, containerDuration: duration) },
            audio: format.bestStream(AVMEDIA_TYPE_AUDIO).map(audioInfo),
            streams: streams
        )
    }

    static func videoInfo(_ stream: UnsafeMutablePointer<AVStream>, containerDuration: Double?) -> VideoStreamInfo {
        let parameters = stream.pointee.codecpar.pointee
        let frameRate = frameRate(of: stream)
        let timeBase = stream.pointee.time_base.rational
        let duration = streamDuration(stream) ?? containerDuration
        let stated = stream.pointee.nb_frames
        let estimated = duration.map { Int64(($0 * frameRate.doubleValue).rounded()) } ?? 0
        let pixelFormat = av_get_pix_fmt_name(AVPixelFormat(parameters.format)).map { String(cString: $0) } ?? "unknown"
        return VideoStreamInfo(
            index: Int(stream.pointee.index),
            codec: String(cString: avcodec_get_name(parameters.codec_id)),
            width: Int(parameters.width),
            height: Int(parameters.height),
            rotation: rotation(of: stream),
            frameRate: frameRate,
            timeBase: timeBase,
            frameCount: stated > 0 ? stated : estimated,
            frameCountIsExact: stated > 0,
            pixelFormat: pixelFormat,
            duration: duration
        )
    }

    static func audioInfo(_ stream: UnsafeMutablePointer<AVStream>) -> AudioStreamInfo {
        let parameters = stream.pointee.codecpar.pointee
        return AudioStreamInfo(
            index: Int(stream.pointee.index),
            codec: String(cString: avcodec_get_name(parameters.codec_id)),
            sampleRate: Int(parameters.sample_rate),
            channels: Int(parameters.ch_layout.nb_channels),
            duration: streamDuration(stream)
        )
    }

    /// The average frame rate when the container knows it, else the real base rate.
    static func frameRate(of stream: UnsafeMutablePointer<AVStream>) -> Rational {
        let average = stream.pointee.avg_frame_rate
        if average.num > 0, average.den > 0 { return average.rational }
        let base = stream.pointee.r_frame_rate
        if base.num > 0, base.den > 0 { return base.rational }
        return Rational(25, 1)
    }

    static func streamDuration(_ stream: UnsafeMutablePointer<AVStream>) -> Double? {
        let duration = stream.pointee.duration
        guard duration > 0, duration != ph_av_nopts_value() else { return nil }
        return Double(duration) * stream.pointee.time_base.rational.doubleValue
    }

    static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) else { return 0 }
        let degrees = data.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_get($0) }
        guard degrees.isFinite else { return 0 }
        // FFmpeg gives counter-clockwise degrees; players rotate clockwise by the negation.
        let clockwise = Int((-degrees).rounded())
        return ((clockwise % 360) + 360) % 360
    }

    static func mediaTypeName(_ type: AVMediaType) -> String {
        switch type {
        case AVMEDIA_TYPE_VIDEO: "video"
        case AVMEDIA_TYPE_AUDIO: "audio"
        case AVMEDIA_TYPE_SUBTITLE: "subtitle"
        case AVMEDIA_TYPE_ATTACHMENT: "attachment"
        default: "data"
        }
    }
}
