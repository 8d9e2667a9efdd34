import PlayheadCore
import Store

/// What a session sends its client, in order of occurrence.
public enum SessionEvent: Sendable {
    /// One feature of one analysed frame, computed now or read from the store.
    case result(FrameResult)
    /// Periodic figures about the session.
    case stats(SessionStats)
    /// A failure the client should know about; the session stays open.
    case error(SessionError)
}

/// One detection in a frame, in source pixels (as a viewer sees the video, rotation applied).
public struct FrameDetection: Sendable, Equatable {
    /// "face" for faces; the NudeNet class for safety.
    public var label: String
    public var score: Double
    public var box: BoundingBox

    public init(label: String, score: Double, box: BoundingBox) {
        self.label = label
        self.score = score
        self.box = box
    }
}

/// The result of one feature on one analysis frame.
public struct FrameResult: Sendable, Equatable {
    public var feature: Feature
    /// Analysis frame index at the session's fps.
    public var frame: Int64
    /// Media time of the analysis frame in seconds (`frame / fps`).
    public var time: Double
    /// Size of the source frame the boxes refer to.
    public var width: Int
    public var height: Int
    public var detections: [FrameDetection]
    /// True when the result came from the store rather than from a model just now.
    public var memoized: Bool

    public init(feature: Feature, frame: Int64, time: Double, width: Int, height: Int, detections: [FrameDetection], memoized: Bool) {
        self.feature = feature
        self.frame = frame
        self.time = time
        self.width = width
        self.height = height
        self.detections = detections
        self.memoized = memoized
    }
}

/// A session's figures since it opened. Deadlines count only while playing: a result is a hit when it
/// reaches the client before its frame is on screen.
public struct SessionStats: Sendable, Equatable {
    /// Media position of the playhead in seconds.
    public var position: Double
    public var playing: Bool
    /// Computed results delivered before their display time while playing.
    public var hits: Int
    /// Results from the store delivered before their display time while playing.
    public var memoizedHits: Int
    /// Results delivered after their display time.
    public var late: Int
    /// Frame features given up because they could no longer meet their display time.
    public var dropped: Int
    /// Every result sent, computed or memoized, playing or not.
    public var resultsSent: Int
    /// Frame features being computed now.
    public var inFlight: Int
    /// Frame features waiting in the lookahead window.
    public var queued: Int
    /// Median time between a result's delivery and its display time, over recent hits, in seconds.
    public var medianLeadSeconds: Double?
    /// Time from the latest seek (or play from a new position) to the first result at or after it, in seconds.
    public var lastSeekLatencySeconds: Double?

    /// Share of deadline-bound frame features that arrived in time; nil before any counted.
    public var hitRatio: Double? {
        let total = hits + memoizedHits + late + dropped
        return total == 0 ? nil : Double(hits + memoizedHits) / Double(total)
    }
}
