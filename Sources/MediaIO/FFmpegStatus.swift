import CFFmpeg
import PlayheadCore

/// FFmpeg's text for an error code (what `av_err2str` gives in C).
func ffmpegMessage(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    return buffer.withUnsafeMutableBufferPointer { String(cString: ph_av_strerror(code, $0.baseAddress, $0.count)) }
}

/// Turns a negative FFmpeg return code into a `PlayheadError`; every FFmpeg call goes through here.
@discardableResult
func check(_ status: Int32, _ operation: @autoclosure () -> String, code: PlayheadError.Code = .decodeFailed) throws -> Int32 {
    guard status < 0 else { return status }
    if status == ph_averror_exit() { throw PlayheadError(.cancelled, "\(operation()) was cancelled") }
    if status == ph_averror_enomem() { throw PlayheadError(.internal, "\(operation()): out of memory") }
    throw PlayheadError(code, "\(operation()) failed: \(ffmpegMessage(status))")
}

/// FFmpeg prints to stderr by default; the product reports failures through typed errors instead.
let silenceFFmpegLogging: Void = {
    av_log_set_level(AV_LOG_QUIET)
}()

extension AVRational {
    var rational: Rational { Rational(Int64(num), Int64(den)) }
}
