import PlayheadCore
import Store

/// Identity of an open session, unique for the runtime's lifetime.
public struct SessionID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: SessionID, rhs: SessionID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "s\(rawValue)" }
}

/// What an opened session tells its client.
public struct OpenedSession: Sendable {
    public let id: SessionID
    /// Results, stats and errors, until the session closes.
    public let events: AsyncStream<SessionEvent>
    /// Source frame size the boxes refer to (rotation applied).
    public let width: Int
    public let height: Int
    /// Media duration in seconds, when known.
    public let duration: Double?
}

/// How much of the runtime one session occupies.
public struct SessionWorkload: Sendable, Equatable {
    /// Frame features the scheduler has dispatched and not seen finish.
    public var inFlight: Int
    /// Frame features waiting in the session's window.
    public var queued: Int
    /// Tasks still running for the session: computations (including cancelled ones not yet unwound),
    /// store reads for memoized sends and store look-ups.
    public var tasks: Int

    public static let idle = SessionWorkload(inFlight: 0, queued: 0, tasks: 0)
}

/// The runtime's record of one open session: what it computes, where its playhead is, its tallies.
struct LiveSession {
    let media: MediaRecord
    let request: SessionRequest<Feature>
    let models: [Feature: FeatureModel]
    /// Index of each feature's conversion in the decoder's frame sets.
    let outputIndex: [Feature: Int]
    let decoder: SessionDecoder
    let width: Int
    let height: Int
    let events: AsyncStream<SessionEvent>.Continuation
    /// The playhead as the scheduler sees it, kept here to judge results against display times.
    var clock: PlaybackClock
    /// Frames already looked up in the store.
    var lookedUp: Set<Int64> = []
    var lookupRunning = false
    /// Position and wall time of the latest seek whose first result has not arrived.
    var pendingSeek: (position: Duration, wall: Duration)?
    var lastStats: Duration
    var stats: SessionStats
    /// Lead times of recent hits, in seconds, newest last.
    var recentLeads: [Double] = []

    /// Media time of analysis frame `index`.
    func mediaTime(ofFrame index: Int64) -> Duration {
        .seconds(index * request.fps.denominator) / request.fps.numerator
    }

    /// Analysis frames from `position` up to `span` ahead, before the end of the media.
    func frames(from position: Duration, span: Duration) -> ClosedRange<Int64>? {
        let fps = request.fps.doubleValue
        let first = max(0, Int64((position / .seconds(1) * fps).rounded(.up)))
        var end = position + span
        if let duration = request.mediaDuration { end = min(end, duration) }
        let last = Int64((end / .seconds(1) * fps).rounded(.down))
        return first <= last ? first...last : nil
    }

    static let recentLeadCount = 100

    mutating func noteLead(_ seconds: Double) {
        recentLeads.append(seconds)
        if recentLeads.count > Self.recentLeadCount { recentLeads.removeFirst(recentLeads.count - Self.recentLeadCount) }
    }

    var medianLead: Double? {
        guard !recentLeads.isEmpty else { return nil }
        return recentLeads.sorted()[recentLeads.count / 2]
    }
}
