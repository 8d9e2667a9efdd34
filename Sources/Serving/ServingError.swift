import Inference
import PlayheadCore

/// A request the serving engine could not answer, with a stable code clients can branch on.
public struct ServingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case deploymentNotFound = "deployment_not_found"
        case versionNotFound = "version_not_found"
        case invalidInput = "invalid_input"
        case deadlineExceeded = "deadline_exceeded"
        /// The deployment's queue is full: retry later (HTTP 503 with Retry-After).
        case queueFull = "queue_full"
        case cancelled = "cancelled"
        /// No replica can take work (starting, shutting down, or every replica failed to load).
        case unavailable = "unavailable"
        case inferenceFailed = "inference_failed"
        case invalidConfig = "invalid_config"
        /// A remote `playhead serve` behind a handle failed or could not be reached.
        case remoteFailed = "remote_failed"
        case `internal` = "internal"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Maps a model-layer failure onto the serving code a caller can act on.
    public init(_ error: InferenceError) {
        switch error.code {
        case .cancelled: self.init(.cancelled, error.description)
        case .invalidArgument: self.init(.invalidInput, "\(error.operation): \(error.message)")
        case .modelNotFound, .modelInvalid, .checksumMismatch: self.init(.unavailable, error.description)
        default: self.init(.inferenceFailed, error.description)
        }
    }
}

extension ServingError: PlayheadErrorConvertible {
    public var playheadError: PlayheadError {
        let code: PlayheadError.Code = switch self.code {
        case .invalidInput, .invalidConfig: .invalidArgument
        case .cancelled: .cancelled
        case .inferenceFailed: .inferenceFailed
        case .deploymentNotFound, .versionNotFound: .modelNotFound
        default: .internal
        }
        return PlayheadError(code, "\(self.code.rawValue): \(message)")
    }
}
