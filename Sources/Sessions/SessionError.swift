/// Why a session command failed; `code` is stable and travels to clients in `error` messages.
public struct SessionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes; their raw values appear in the WebSocket protocol.
    public enum Code: String, Sendable, Codable {
        /// The message is not JSON, lacks a field, or has a field of the wrong type.
        case invalidMessage = "invalid_message"
        /// The request cannot be served as given (feature, fps, lookahead out of range).
        case invalidRequest = "invalid_request"
        /// No catalog entry has this media id.
        case unknownMedia = "unknown_media"
        /// The media is catalogued but cannot be opened or decoded.
        case mediaUnavailable = "media_unavailable"
        /// Admission control refused the session: open sessions already use the capacity.
        case overCapacity = "over_capacity"
        /// A command other than `open` arrived with no session open.
        case notOpen = "not_open"
        /// `open` arrived while a session is already open on this connection.
        case alreadyOpen = "already_open"
        /// A feature's deployment is missing or failed to analyse a frame.
        case analysisFailed = "analysis_failed"
        /// The store could not be read or written.
        case storeFailed = "store_failed"
    }

    public let code: Code
    public let message: String
    /// With `overCapacity`: the largest whole fps that fits now, for a client to open at instead.
    public let offeredFPS: Double?

    public init(_ code: Code, _ message: String, offeredFPS: Double? = nil) {
        self.code = code
        self.message = message
        self.offeredFPS = offeredFPS
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The protocol form of an admission refusal.
    init(_ refusal: SessionRefusal) {
        switch refusal {
        case .overCapacity(_, let offered): self.init(.overCapacity, refusal.description, offeredFPS: offered?.doubleValue)
        case .alreadyOpen: self.init(.alreadyOpen, refusal.description)
        case .invalidRequest: self.init(.invalidRequest, refusal.description)
        }
    }
}
