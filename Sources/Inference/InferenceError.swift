internal import COpenVINO
import Foundation
import PlayheadCore

/// A failure in model loading, compilation, inference or the model repository.
///
/// Carries the operation that failed and, for OpenVINO failures, OpenVINO's own status text and
/// exception message, so the line a user sees names both what we tried and what OpenVINO said.
public struct InferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; maps one-to-one onto `PlayheadError.Code`.
    public enum Code: String, Sendable, Hashable {
        case modelNotFound
        case modelInvalid
        case inferenceFailed
        case invalidArgument
        case cancelled
        case checksumMismatch
        case toolFailed
        case ioError
    }

    public let code: Code
    /// The operation that failed, e.g. "read model /models/x.onnx" or "start inference".
    public let operation: String
    /// What went wrong, including OpenVINO's message when OpenVINO reported the failure.
    public let message: String
    /// OpenVINO's `ov_status_e` value when the failure came from an OpenVINO call.
    public let status: Int32?

    public init(_ code: Code, operation: String, message: String, status: Int32? = nil) {
        self.code = code
        self.operation = operation
        self.message = message
        self.status = status
    }

    public var description: String { "\(code.rawValue): \(operation): \(message)" }
}

extension InferenceError: PlayheadErrorConvertible {
    public var playheadError: PlayheadError {
        let mapped: PlayheadError.Code = switch code {
        case .modelNotFound: .modelNotFound
        case .modelInvalid: .modelInvalid
        case .inferenceFailed: .inferenceFailed
        case .invalidArgument: .invalidArgument
        case .cancelled: .cancelled
        case .checksumMismatch: .checksumMismatch
        case .toolFailed: .toolFailed
        case .ioError: .ioError
        }
        return PlayheadError(mapped, "\(operation): \(message)")
    }
}

extension InferenceError {
    static func cancelled(_ operation: String) -> InferenceError {
        InferenceError(.cancelled, operation: operation, message: "the task was cancelled")
    }

    static func invalidArgument(_ operation: String, _ message: String) -> InferenceError {
        InferenceError(.invalidArgument, operation: operation, message: message)
    }
}

/// Turns an OpenVINO status into a thrown `InferenceError`; every OpenVINO call goes through here.
///
/// `code` is the error kind for this call site (a failed read is `.modelInvalid`, a failed run
/// `.inferenceFailed`); a cancelled request is always `.cancelled`.
/// OpenVINO keeps one process-wide "last error message" (not per thread), so under concurrent failures
/// the message can belong to a neighbouring call; the status text is always this call's.
@inline(__always)
func check(
    _ status: ov_status_e, _ operation: @autoclosure () -> String, code: InferenceError.Code = .inferenceFailed
) throws(InferenceError) {
    if status == OK { return }
    throw InferenceError(openVINOStatus: status, operation: operation(), code: code)
}

extension InferenceError {
    init(openVINOStatus status: ov_status_e, operation: String, code: Code) {
        var message = String(cString: ov_get_error_info(status))
        if let last = ov_get_last_err_msg() {
            defer { ov_free(last) }
            let detail = String(cString: last).trimmingCharacters(in: .whitespacesAndNewlines)
            if !detail.isEmpty { message += ": " + detail }
        }
        self.init(status == INFER_CANCELLED ? .cancelled : code, operation: operation, message: message, status: status.rawValue)
    }
}

/// Takes ownership of a string OpenVINO allocated for us and frees it with `ov_free`.
func takeOpenVINOString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    defer { ov_free(pointer) }
    return String(cString: pointer)
}
