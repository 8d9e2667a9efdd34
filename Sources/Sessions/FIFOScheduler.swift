/// The baseline the deadline scheduler is measured against: frames are computed in the order they
/// entered their sessions' windows, across all sessions, with no deadlines, no drops and no
/// cancellation on seek or pause (stale work runs to the end and is delivered). Closing a session
/// still frees its work. Admission accepts every session.
public struct FIFOScheduler<SessionID: Hashable & Sendable, Feature: Hashable & Sendable>: SessionScheduling {
    public typealias Action = PlaybackScheduler<SessionID, Feature>.Action
    public typealias Item = WorkItem<SessionID, Feature>

    private struct Session {
        var state: PlaybackSession<Feature>
        /// Frame features ever queued or sent; each is computed or sent once.
        var seen: Set<FrameKey<Feature>> = []
    }

    private let pausedGrace: Duration
    private var serviceTimes: ServiceTimeEstimator<Feature>
    private var sessions: [SessionID: Session] = [:]
    private var sessionOrder: [SessionID] = []
    private var queue: [Item] = []
    private var inFlight: [WorkItemID: Item] = [:]
    private var nextItemID: UInt64 = 0

    /// `pausedGrace` and `serviceTimes` only shape the display times and deadlines reported on items,
    /// as `PlaybackScheduler` would; they never change the order.
    public init(pausedGrace: Duration = .milliseconds(250), serviceTimes: ServiceTimeEstimator<Feature> = ServiceTimeEstimator()) {
        self.pausedGrace = pausedGrace
        self.serviceTimes = serviceTimes
    }

    public var inFlightItems: [Item] { inFlight.values.sorted { $0.id < $1.id } }

    public func queuedItems(of session: SessionID, now: Duration) -> [Item] {
        queue.filter { $0.session == session }
    }

    public mutating func open(_ session: SessionID, _ request: SessionRequest<Feature>, now: Duration) -> [Action] {
        guard sessions[session] == nil else { return [.refuse(session, .alreadyOpen)] }
        sessions[session] = Session(state: PlaybackSession(request: request, now: now))
        sessionOrder.append(session)
        return [.accepted(session)] + enqueueWindow(session, now: now)
    }

    public mutating func play(_ session: SessionID, from position: Duration, rate: Double, now: Duration) -> [Action] {
        sessions[session]?.state.clock.play(from: position, rate: rate, at: now)
        return enqueueWindow(session, now: now)
    }

    public mutating func pause(_ session: SessionID, at position: Duration, now: Duration) -> [Action] {
        sessions[session]?.state.clock.pause(at: position, now: now)
        return enqueueWindow(session, now: now)
    }

    public mutating func seek(_ session: SessionID, to position: Duration, now: Duration) -> [Action] {
        sessions[session]?.state.clock.seek(to: position, at: now)
        return enqueueWindow(session, now: now)
    }

    public mutating func close(_ session: SessionID) -> [Action] {
        guard sessions.removeValue(forKey: session) != nil else { return [] }
        sessionOrder.removeAll { $0 == session }
        queue.removeAll { $0.session == session }
        let cancelled = inFlight.values.filter { $0.session == session }.map(\.id).sorted()
        for id in cancelled { inFlight[id] = nil }
        return cancelled.isEmpty ? [] : [.cancel(cancelled)]
    }

    public mutating func calibrate(_ feature: Feature, serviceTime: Duration) {
        serviceTimes.set(serviceTime, for: feature)
    }

    /// The baseline admits everyone.
    public mutating func setAdmissionCosts(_ costs: AdmissionCosts<Feature>) {}

    public mutating func completed(_ id: WorkItemID, duration: Duration) {
        guard let item = inFlight.removeValue(forKey: id) else { return }
        sessions[item.session]?.state.available.insert(item.key)
    }

    public mutating func failed(_ id: WorkItemID) {
        inFlight[id] = nil
    }

    /// Puts the item back at the tail of the queue.
    public mutating func requeue(_ id: WorkItemID) {
        guard let item = inFlight.removeValue(forKey: id), sessions[item.session] != nil else { return }
        queue.append(item)
    }

    public mutating func memoized(_ session: SessionID, _ keys: [FrameKey<Feature>]) -> [Action] {
        guard var state = sessions[session] else { return [] }
        state.state.available.formUnion(keys)
        let stored = Set(keys)
        // Queued copies are sent instead of computed; frames not seen yet are sent when they enter the window.
        let send = queue.filter { $0.session == session && stored.contains($0.key) }.map(\.key)
        queue.removeAll { $0.session == session && stored.contains($0.key) }
        sessions[session] = state
        return send.isEmpty ? [] : [.sendMemoized(session, send)]
    }

    public mutating func next(now: Duration, capacity: Int) -> [Action] {
        var actions: [Action] = []
        for session in sessionOrder { actions += enqueueWindow(session, now: now) }
        let chosen = Array(queue.prefix(max(0, capacity)))
        queue.removeFirst(chosen.count)
        for item in chosen { inFlight[item.id] = item }
        if !chosen.isEmpty { actions.append(.dispatch(chosen)) }
        return actions
    }

    /// Appends the window's frames not seen before to the queue's tail (stored ones are sent instead).
    private mutating func enqueueWindow(_ session: SessionID, now: Duration) -> [Action] {
        guard var entry = sessions[session] else { return [] }
        var send: [FrameKey<Feature>] = []
        for index in entry.state.window(at: now) {
            for feature in entry.state.request.features {
                let key = FrameKey(index: index, feature: feature)
                guard entry.seen.insert(key).inserted else { continue }
                if entry.state.available.contains(key) {
                    send.append(key)
                    continue
                }
                nextItemID += 1
                let displayTime = entry.state.displayTime(ofFrame: index, now: now, pausedGrace: pausedGrace)
                queue.append(Item(id: WorkItemID(nextItemID), session: session, key: key, mediaTime: entry.state.mediaTime(ofFrame: index),
                                  displayTime: displayTime, deadline: displayTime - serviceTimes.estimate(for: feature)))
            }
        }
        sessions[session] = entry
        return send.isEmpty ? [] : [.sendMemoized(session, send)]
    }
}
