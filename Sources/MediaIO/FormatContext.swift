import CFFmpeg
import Foundation
import PlayheadCore

/// Owns an opened `AVFormatContext` (a demuxer over one file).
///
/// Opening classifies the common ways a user's file is wrong (missing, empty, not media, damaged)
/// into distinct error codes with messages that say what to do.
final class FormatContext {
    let pointer: UnsafeMutablePointer<AVFormatContext>
    let path: String
    /// Set by a task cancellation handler; FFmpeg's interrupt callback reads it during I/O.
    let cancellation = CancellationFlag()

    init(path: String) throws {
        _ = silenceFFmpegLogging
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw PlayheadError(.fileNotFound, "no such file: \(path)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        guard size > 0 else { throw PlayheadError(.emptyFile, "\(path) is empty (0 bytes); the upload or copy may have failed") }

        guard let context = avformat_alloc_context() else { throw PlayheadError(.internal, "avformat_alloc_context: out of memory") }
        context.pointee.interrupt_callback.callback = { opaque in
            guard let opaque else { return 0 }
            return Unmanaged<CancellationFlag>.fromOpaque(opaque).takeUnretainedValue().isSet ? 1 : 0
        }
        context.pointee.interrupt_callback.opaque = Unmanaged.passUnretained(cancellation).toOpaque()
        var opened: UnsafeMutablePointer<AVFormatContext>? = context
        let status = avformat_open_input(&opened, path, nil, nil)
        guard status >= 0, let opened else {
            // avformat_open_input frees the context on failure.
            throw PlayheadError(.unsupportedFormat, "\(path) is not a media file FFmpeg can read (\(ffmpegMessage(status)))")
        }
        pointer = opened
        let infoStatus = avformat_find_stream_info(opened, nil)
        if infoStatus < 0 {
            var context: UnsafeMutablePointer<AVFormatContext>? = opened
            avformat_close_input(&context)
            throw PlayheadError(.corruptMedia, "\(path) is damaged: stream information could not be read (\(ffmpegMessage(infoStatus)))")
        }
    }

    var streams: [UnsafeMutablePointer<AVStream>] {
        (0..<Int(pointer.pointee.nb_streams)).compactMap { pointer.pointee.streams[$0] }
    }

    /// The best stream of a type (FFmpeg's own choice when several exist), or nil.
    func bestStream(_ type: AVMediaType) -> UnsafeMutablePointer<AVStream>? {
        let index = av_find_best_stream(pointer, type, -1, -1, nil, 0)
        guard index >= 0 else { return nil }
        return pointer.pointee.streams[Int(index)]
    }

    /// Reads the next packet; false at end of file. Read errors other than EOF mean a damaged file.
    func read(into packet: Packet) throws -> Bool {
        let status = av_read_frame(pointer, packet.pointer)
        if status == ph_averror_eof() { return false }
        if cancellation.isSet { throw PlayheadError(.cancelled, "reading \(path) was cancelled") }
        try check(status, "reading \(path)", code: .corruptMedia)
        return true
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&context)
    }
}

@available(*, unavailable)
extension FormatContext: Sendable {}
