import PlayheadCore

/// Why the store refused or failed an operation: a stable machine-readable `code` and a message a person can act on.
///
/// Backend errors (SQLite, PostgreSQL) are caught at the store's boundary and become one of these, with the
/// backend's own text in `message`; callers never see a `DatabaseError` or a `PSQLError`.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes; their raw values appear in JSON error bodies and CLI output.
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The feature is not one the store knows (see ``Feature/known``).
        case unknownFeature = "unknown_feature"
        /// A time range that is not finite, starts before zero, or ends before it starts.
        case invalidRange = "invalid_range"
        /// Any other malformed value: a NaN score, a negative box size, a payload that is not JSON, a bad model name.
        case invalidInput = "invalid_input"
        /// The media, result, job or task does not exist.
        case notFound = "not_found"
        /// The row changed under the caller: a lease held by another worker, a task no longer leased.
        case conflict = "conflict"
        /// The database cannot be reached or opened.
        case unavailable = "unavailable"
        /// The schema could not be brought up to date.
        case migrationFailed = "migration_failed"
        /// The database rejected a statement for a reason not covered above.
        case storageFailed = "storage_failed"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension StoreError: PlayheadErrorConvertible {
    /// Input problems are the caller's to fix; everything else is the server's.
    public var playheadError: PlayheadError {
        switch code {
        case .unknownFeature, .invalidRange, .invalidInput: PlayheadError(.invalidArgument, description)
        case .notFound, .conflict, .unavailable, .migrationFailed, .storageFailed: PlayheadError(.internal, description)
        }
    }
}
