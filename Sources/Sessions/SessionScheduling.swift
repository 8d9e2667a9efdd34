/// What `SessionRuntime` needs from a scheduling policy: events in, actions out, no I/O. The events
/// mean what they mean on `PlaybackScheduler`, whose documentation they share.
///
/// `PlaybackScheduler` (deadline-first, drops late work, seeks cancel stale work) is the product;
/// `FIFOScheduler` is the baseline it is measured against.
public protocol SessionScheduling<SessionID, Feature>: Sendable {
    associatedtype SessionID: Hashable & Sendable
    associatedtype Feature: Hashable & Sendable

    mutating func open(_ session: SessionID, _ request: SessionRequest<Feature>, now: Duration) -> [PlaybackScheduler<SessionID, Feature>.Action]
    mutating func play(_ session: SessionID, from position: Duration, rate: Double, now: Duration) -> [PlaybackScheduler<SessionID, Feature>.Action]
    mutating func pause(_ session: SessionID, at position: Duration, now: Duration) -> [PlaybackScheduler<SessionID, Feature>.Action]
    mutating func seek(_ session: SessionID, to position: Duration, now: Duration) -> [PlaybackScheduler<SessionID, Feature>.Action]
    mutating func close(_ session: SessionID) -> [PlaybackScheduler<SessionID, Feature>.Action]
    mutating func completed(_ id: WorkItemID, duration: Duration)
    mutating func calibrate(_ feature: Feature, serviceTime: Duration)
    mutating func setAdmissionCosts(_ costs: AdmissionCosts<Feature>)
    mutating func failed(_ id: WorkItemID)
    mutating func requeue(_ id: WorkItemID)
    mutating func memoized(_ session: SessionID, _ keys: [FrameKey<Feature>]) -> [PlaybackScheduler<SessionID, Feature>.Action]
    mutating func next(now: Duration, capacity: Int) -> [PlaybackScheduler<SessionID, Feature>.Action]
    var inFlightItems: [WorkItem<SessionID, Feature>] { get }
    func queuedItems(of session: SessionID, now: Duration) -> [WorkItem<SessionID, Feature>]
}

extension PlaybackScheduler: SessionScheduling {}
