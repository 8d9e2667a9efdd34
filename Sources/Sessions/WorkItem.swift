/// Identity of one dispatched unit of work, unique for the scheduler's lifetime.
public struct WorkItemID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: WorkItemID, rhs: WorkItemID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "#\(rawValue)" }
}

/// One feature of one frame: frame `index` counts at the session's analysis fps from media time zero.
public struct FrameKey<Feature: Hashable & Sendable>: Sendable, Hashable {
    public let index: Int64
    public let feature: Feature

    public init(index: Int64, feature: Feature) {
        self.index = index
        self.feature = feature
    }
}

/// A frame feature to compute for a session, with the deadlines the deployments should honour.
public struct WorkItem<SessionID: Hashable & Sendable, Feature: Hashable & Sendable>: Sendable, Hashable {
    /// Assigned when the frame enters the session's lookahead window; a frame that leaves and
    /// re-enters the window gets a new one.
    public let id: WorkItemID
    public let session: SessionID
    public let key: FrameKey<Feature>
    /// The frame's media time.
    public let mediaTime: Duration
    /// Wall time at which the frame is shown; while the session is paused, a virtual one (see
    /// `PlaybackScheduler.Configuration.pausedGrace`).
    public let displayTime: Duration
    /// Latest wall time to start computing: `displayTime` minus the feature's expected service time.
    /// Scheduling orders by it (earliest first); a playing session's item past it is dropped.
    public let deadline: Duration

    public init(id: WorkItemID, session: SessionID, key: FrameKey<Feature>, mediaTime: Duration, displayTime: Duration, deadline: Duration) {
        self.id = id
        self.session = session
        self.key = key
        self.mediaTime = mediaTime
        self.displayTime = displayTime
        self.deadline = deadline
    }

    public var frameIndex: Int64 { key.index }
    public var feature: Feature { key.feature }
}
