import CFFmpeg
import PlayheadCore

/// The times of the keyframes of a file's primary video stream, read from packet flags without decoding.
///
/// These are the places a decoder can start cleanly, so work on a file is cut there (`Jobs.JobPlanner`).
/// Reading every packet header costs one pass of I/O over the file, a small fraction of decoding it.
public struct KeyframeIndex: Sendable, Codable, Equatable {
    /// Keyframe presentation times from the start of the stream, ascending, without duplicates.
    public var times: [MediaTime]

    public init(times: [MediaTime]) {
        self.times = Array(Set(times)).sorted()
    }

    /// Reads the keyframes of `path`; throws like `VideoDecoder` for files without a video stream.
    /// Cancelling the calling task stops the scan at the next packet.
    public static func read(path: String) async throws -> KeyframeIndex {
        let scanner = try await DecodeThread.open(label: "keyframes") { try KeyframeScanner(path: path) }
        let flag = try await scanner.run { $0.format.cancellation }
        return try await withTaskCancellationHandler {
            try await scanner.run { KeyframeIndex(times: try $0.scan()) }
        } onCancel: {
            flag.set()
        }
    }
}

/// The demuxer side of `KeyframeIndex.read`; confined to one `DecodeThread`.
final class KeyframeScanner {
    let format: FormatContext
    private let stream: UnsafeMutablePointer<AVStream>

    init(path: String) throws {
        format = try FormatContext(path: path)
        guard let stream = format.bestStream(AVMEDIA_TYPE_VIDEO) else {
            throw PlayheadError(.noVideoStream, "\(path) has no video stream to index keyframes in")
        }
        self.stream = stream
        for other in format.streams where other != stream { other.pointee.discard = AVDISCARD_ALL }
    }

    /// Times of the packets flagged as keyframes, in the time base `VideoDecoder` stamps frames with.
    func scan() throws -> [MediaTime] {
        let packet = try Packet()
        let timeBase = stream.pointee.time_base.rational
        let startPTS = stream.pointee.start_time == ph_av_nopts_value() ? 0 : stream.pointee.start_time
        var times: [MediaTime] = []
        while true {
            packet.unref()
            guard try format.read(into: packet) else { break }
            let pointer = packet.pointer.pointee
            guard pointer.stream_index == stream.pointee.index, pointer.flags & AV_PKT_FLAG_KEY != 0 else { continue }
            let pts = pointer.pts != ph_av_nopts_value() ? pointer.pts : pointer.dts
            guard pts != ph_av_nopts_value() else { continue }
            times.append(MediaTime(value: (pts - startPTS) * timeBase.numerator, timescale: timeBase.denominator))
        }
        packet.unref()
        return times.filter { $0 >= .zero }
    }
}

@available(*, unavailable)
extension KeyframeScanner: Sendable {}
