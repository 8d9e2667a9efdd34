import PlayheadCore

/// What a client asks for when it opens a playback session.
public struct SessionRequest<Feature: Hashable & Sendable>: Sendable, Equatable {
    /// Features to compute for every analysed frame, in the order their items are queued.
    public var features: [Feature]
    /// Analysis frames per second; frame `n` is at media time `n / fps`.
    public var fps: Rational
    /// How far ahead of the playhead, in media time, frames are queued.
    public var lookahead: Duration
    /// The media's length when known; no frame at or past it is queued.
    public var mediaDuration: Duration?

    public init(features: [Feature], fps: Rational, lookahead: Duration, mediaDuration: Duration? = nil) {
        self.features = features
        self.fps = fps
        self.lookahead = lookahead
        self.mediaDuration = mediaDuration
    }
}

/// Why `open` was refused.
public enum SessionRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The machine cannot hold the session at `requestedFPS` without degrading open sessions;
    /// `offeredFPS` is the largest whole fps that fits, if any.
    case overCapacity(requestedFPS: Rational, offeredFPS: Rational?)
    /// A session with this id is already open.
    case alreadyOpen
    /// The request cannot be served as given (no features, non-positive fps or lookahead).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .overCapacity(let requested, let offered?):
            "not enough capacity for \(requested) fps; \(offered) fps is available"
        case .overCapacity(let requested, nil):
            "not enough capacity for \(requested) fps; try again later"
        case .alreadyOpen:
            "session is already open"
        case .invalidRequest(let reason):
            "invalid session request: \(reason)"
        }
    }
}
