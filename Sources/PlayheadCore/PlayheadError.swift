/// The one error type users see: a stable machine-readable `code` and a message a person can act on.
///
/// Lower layers throw their own typed errors (`MediaError`, `InferenceError`) which convert to this at
/// the boundary, so the CLI and HTTP layers print and map one shape.
public struct PlayheadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes; their raw values appear in JSON error bodies and CLI output.
    public enum Code: String, Sendable, Codable {
        case fileNotFound = "file_not_found"
        case emptyFile = "empty_file"
        case unsupportedFormat = "unsupported_format"
        case corruptMedia = "corrupt_media"
        case noVideoStream = "no_video_stream"
        case noAudioStream = "no_audio_stream"
        case invalidArgument = "invalid_argument"
        case decodeFailed = "decode_failed"
        case encodeFailed = "encode_failed"
        case modelNotFound = "model_not_found"
        case modelInvalid = "model_invalid"
        case inferenceFailed = "inference_failed"
        case checksumMismatch = "checksum_mismatch"
        case toolFailed = "tool_failed"
        case ioError = "io_error"
        case cancelled = "cancelled"
        case `internal` = "internal"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Errors from lower layers that know how to present themselves as a `PlayheadError`.
public protocol PlayheadErrorConvertible: Error {
    var playheadError: PlayheadError { get }
}

extension PlayheadError: PlayheadErrorConvertible {
    public var playheadError: PlayheadError { self }
}
