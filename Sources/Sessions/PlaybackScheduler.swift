import PlayheadCore

/// One earliest-deadline-first scheduler for every interactive playback session: a pure state
/// machine that takes events and returns the actions the driver must perform.
///
/// It does no I/O and never reads a clock: each event carries `now` (see `PlaybackClock` for the
/// time base). The driver reports play, pause, seek, completions and store hits, calls
/// `next(now:capacity:)` whenever workers are free (and periodically, so late items are dropped
/// and the window advances), and carries out the returned `Action`s.
///
/// Policies:
/// - Each session keeps a window of frames from its playhead to `lookahead` ahead queued; every
///   feature of a frame is one item whose deadline is its display time minus the feature's
///   expected service time.
/// - Items are dispatched earliest deadline first across sessions; a playing session's item whose
///   deadline has passed is dropped, never dispatched late.
/// - Items whose deadlines fall in the same `fairnessQuantum` are taken round-robin between
///   sessions, and no session has more than `maxInFlightPerSession` items in flight.
/// - Seek, play and pause drop from the window silently (not as misses) what is no longer in it,
///   cancel such in-flight items, and queue the new window, whose first frames are then the most urgent.
/// - Frames known to be in the store are sent, never dispatched.
/// - `open` is refused when the sessions' total demand would exceed the machine's CPU time (once
///   `AdmissionCosts` are known) or the workers' capacity.
/// - Batch work only gets the workers no interactive item can use (`grantBatch`).
public struct PlaybackScheduler<SessionID: Hashable & Sendable, Feature: Hashable & Sendable>: Sendable {
    public typealias Item = WorkItem<SessionID, Feature>

    public private(set) var configuration: Configuration
    private var sessions: [SessionID: PlaybackSession<Feature>] = [:]
    /// Open order: the round-robin order between sessions, and a deterministic iteration order.
    private var sessionOrder: [SessionID] = []
    private var inFlight: [WorkItemID: Item] = [:]
    private var lastServed: SessionID?
    private var nextItemID: UInt64 = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Current service-time estimates.
    public var serviceTimes: ServiceTimeEstimator<Feature> { configuration.serviceTimes }

    /// What the open sessions need: CPU-seconds per second once admission costs are known (see
    /// `setAdmissionCosts`), else worker-seconds per second at current service-time estimates.
    public var demand: Double {
        sessionOrder.reduce(0) { $0 + demand(of: sessions[$1]!.request) }
    }

    /// Items currently in flight, in dispatch order.
    public var inFlightItems: [Item] { inFlight.values.sorted { $0.id < $1.id } }

    /// Queued items of `session` with their deadlines at `now`, most urgent first.
    public func queuedItems(of session: SessionID, now: Duration) -> [Item] {
        guard let state = sessions[session] else { return [] }
        return queuedItems(session, state, now: now).sorted(by: Self.urgency)
    }

    // MARK: Events

    /// Opens a session paused at position zero, or refuses it.
    public mutating func open(_ session: SessionID, _ request: SessionRequest<Feature>, now: Duration) -> [Action] {
        if let refusal = admissionRefusal(session, request) { return [.refuse(session, refusal)] }
        sessions[session] = PlaybackSession(request: request, now: now)
        sessionOrder.append(session)
        return [.accepted(session)] + refresh(session, now: now, reportMissed: false)
    }

    /// Playback started or continued from `position` at `rate` (media seconds per second).
    public mutating func play(_ session: SessionID, from position: Duration, rate: Double = 1, now: Duration) -> [Action] {
        reposition(session, now: now) { $0.play(from: position, rate: rate, at: now) }
    }

    /// Playback paused at `position`.
    public mutating func pause(_ session: SessionID, at position: Duration, now: Duration) -> [Action] {
        reposition(session, now: now) { $0.pause(at: position, now: now) }
    }

    /// The playhead jumped to `position`; playback state is unchanged.
    public mutating func seek(_ session: SessionID, to position: Duration, now: Duration) -> [Action] {
        reposition(session, now: now) { $0.seek(to: position, at: now) }
    }

    /// Closes a session: its queue is forgotten and its in-flight items cancelled.
    public mutating func close(_ session: SessionID) -> [Action] {
        guard sessions.removeValue(forKey: session) != nil else { return [] }
        sessionOrder.removeAll { $0 == session }
        if lastServed == session { lastServed = nil }
        let cancelled = inFlight.values.filter { $0.session == session }.map(\.id).sorted()
        for id in cancelled { inFlight[id] = nil }
        return cancelled.isEmpty ? [] : [.cancel(cancelled)]
    }

    /// An item finished after `duration` of service; its result is now in the store.
    ///
    /// Unknown ids (cancelled or closed meanwhile) are ignored.
    public mutating func completed(_ id: WorkItemID, duration: Duration) {
        guard let item = inFlight.removeValue(forKey: id) else { return }
        configuration.serviceTimes.record(duration, for: item.feature)
        sessions[item.session]?.available.insert(item.key)
        settle(item)
    }

    /// A service time measured for `feature` before any item of it completed (admission of sessions
    /// opened together then rests on this machine's figure rather than on the configured guess).
    public mutating func calibrate(_ feature: Feature, serviceTime: Duration) {
        configuration.serviceTimes.set(serviceTime, for: feature)
    }

    /// Admission charges CPU time from now on (see `AdmissionCosts`); a feature without a CPU figure
    /// is charged its service time.
    public mutating func setAdmissionCosts(_ costs: AdmissionCosts<Feature>) {
        configuration.admissionCosts = costs
    }

    /// An item failed. It is not retried while its frame stays in the window, so a failing model
    /// cannot spin; the driver reports the failure to the session.
    public mutating func failed(_ id: WorkItemID) {
        guard let item = inFlight.removeValue(forKey: id) else { return }
        settle(item)
    }

    /// An item was not computed for a reason that no longer holds: its display time passed in a
    /// deployment's queue, but the session has paused since, so the frame is wanted again. It is queued
    /// afresh (a new id) if it is still in the window; unknown ids are ignored.
    public mutating func requeue(_ id: WorkItemID) {
        guard let item = inFlight.removeValue(forKey: id),
              sessions[item.session]?.entries[item.key] == .inFlight(item.id) else { return }
        nextItemID += 1
        sessions[item.session]!.entries[item.key] = .queued(WorkItemID(nextItemID))
    }

    /// These frames' results are in the store. Those in the window are sent now (in-flight ones
    /// cancelled); the rest are sent when the window reaches them.
    public mutating func memoized(_ session: SessionID, _ keys: [FrameKey<Feature>]) -> [Action] {
        guard var state = sessions[session] else { return [] }
        state.available.formUnion(keys)
        var send: [FrameKey<Feature>] = []
        var cancelled: [WorkItemID] = []
        for key in keys {
            switch state.entries[key] {
            case .queued, .missed:
                send.append(key)
            case .inFlight(let id):
                send.append(key)
                cancelled.append(id)
                inFlight[id] = nil
            case .settled, nil:
                continue
            }
            state.entries[key] = .settled
        }
        sessions[session] = state
        var actions: [Action] = []
        if !cancelled.isEmpty { actions.append(.cancel(cancelled)) }
        if !send.isEmpty { actions.append(.sendMemoized(session, send)) }
        return actions
    }

    /// Advances every window to `now`: drops late items, cancels in-flight items whose frames
    /// have passed, queues frames entering the windows and sends those already stored.
    public mutating func tick(now: Duration) -> [Action] {
        var actions: [Action] = []
        for session in sessionOrder { actions += refresh(session, now: now, reportMissed: true) }
        return actions
    }

    /// `tick(now:)`, then the items to start on `capacity` free workers, most urgent first, and
    /// any capacity left for batch work.
    public mutating func next(now: Duration, capacity: Int) -> [Action] {
        var actions = tick(now: now)
        let chosen = select(now: now, capacity: capacity)
        for item in chosen {
            inFlight[item.id] = item
            sessions[item.session]!.entries[item.key] = .inFlight(item.id)
        }
        if !chosen.isEmpty { actions.append(.dispatch(chosen)) }
        if capacity > chosen.count { actions.append(.grantBatch(slots: capacity - chosen.count)) }
        return actions
    }

    // MARK: Policies

    /// Worker-seconds one frame of every feature in `features` takes.
    private func serviceSeconds(perFrame features: [Feature]) -> Double {
        features.reduce(Duration.zero) { $0 + configuration.serviceTimes.estimate(for: $1) } / .seconds(1)
    }

    private func demand(of request: SessionRequest<Feature>) -> Double {
        admission(for: request.features).perFrame * request.fps.doubleValue
    }

    /// The budget a request is admitted against and what one frame of it costs there: CPU time once
    /// admission costs are known, else worker-seconds.
    private func admission(for features: [Feature]) -> (budget: Double, perFrame: Double) {
        if let costs = configuration.admissionCosts {
            let perFrame = costs.perFrame(features) { configuration.serviceTimes.estimate(for: $0) }
            return (costs.capacity * configuration.targetUtilization, perFrame)
        }
        return (Double(configuration.workers) * configuration.targetUtilization, serviceSeconds(perFrame: features))
    }

    private func admissionRefusal(_ session: SessionID, _ request: SessionRequest<Feature>) -> SessionRefusal? {
        if sessions[session] != nil { return .alreadyOpen }
        if request.features.isEmpty { return .invalidRequest("no features") }
        if request.fps.numerator <= 0 || request.fps.denominator <= 0 { return .invalidRequest("fps must be positive") }
        if request.lookahead <= .zero { return .invalidRequest("lookahead must be positive") }
        let (budget, perFrame) = admission(for: request.features)
        let free = budget - demand
        guard demand(of: request) > free else { return nil }
        let offered = Int64((free / perFrame).rounded(.down))
        return .overCapacity(requestedFPS: request.fps, offeredFPS: offered >= 1 ? Rational(offered, 1) : nil)
    }

    /// Applies a playhead change: misses up to `now` are reported under the old clock, then what
    /// left the window goes silently, because the user moved away from it rather than it being late.
    private mutating func reposition(_ session: SessionID, now: Duration, _ change: (inout PlaybackClock) -> Void) -> [Action] {
        guard sessions[session] != nil else { return [] }
        let before = refresh(session, now: now, reportMissed: true)
        change(&sessions[session]!.clock)
        sessions[session]!.entries = sessions[session]!.entries.filter { $0.value != .missed }
        return before + refresh(session, now: now, reportMissed: false)
    }

    /// Brings one session's window to `now`. With `reportMissed`, queued items behind the playhead
    /// are dropped as misses; otherwise they are forgotten.
    private mutating func refresh(_ session: SessionID, now: Duration, reportMissed: Bool) -> [Action] {
        guard var state = sessions[session] else { return [] }
        let window = state.window(at: now)
        var dropped: [Item] = []
        var cancelled: [WorkItemID] = []
        var send: [FrameKey<Feature>] = []

        for (key, entry) in state.entries where !window.contains(key.index) {
            switch entry {
            case .queued(let id):
                if reportMissed && key.index < window.lowerBound && state.clock.isPlaying {
                    dropped.append(item(id, session, state, key, now: now))
                }
            case .inFlight(let id):
                cancelled.append(id)
                inFlight[id] = nil
            case .settled, .missed:
                break
            }
            state.entries[key] = nil
        }

        for index in window {
            for feature in state.request.features {
                let key = FrameKey(index: index, feature: feature)
                guard state.entries[key] == nil else { continue }
                if state.available.contains(key) {
                    send.append(key)
                    state.entries[key] = .settled
                } else {
                    nextItemID += 1
                    state.entries[key] = .queued(WorkItemID(nextItemID))
                }
            }
        }

        if state.clock.isPlaying {
            for item in queuedItems(session, state, now: now) where item.deadline < now {
                dropped.append(item)
                state.entries[item.key] = .missed
            }
        }
        sessions[session] = state

        var actions: [Action] = []
        if !cancelled.isEmpty { actions.append(.cancel(cancelled.sorted())) }
        if !dropped.isEmpty { actions.append(.drop(dropped.sorted { $0.id < $1.id })) }
        if !send.isEmpty { actions.append(.sendMemoized(session, send)) }
        return actions
    }

    /// Chooses up to `capacity` queued items: earliest deadline first, round-robin between
    /// sessions within a fairness quantum, at most `maxInFlightPerSession` in flight per session.
    ///
    /// Runs on every completion, so it takes the most urgent slice at a time instead of sorting every
    /// queued item of every session: a slice yields at least one item, so at most `capacity` slices are read.
    private mutating func select(now: Duration, capacity: Int) -> [Item] {
        guard capacity > 0 else { return [] }
        let limit = configuration.maxInFlightPerSession
        var inFlightCounts: [SessionID: Int] = [:]
        for item in inFlight.values { inFlightCounts[item.session, default: 0] += 1 }
        // Sessions at their limit could take nothing from any slice.
        var candidates = sessionOrder
            .filter { inFlightCounts[$0, default: 0] < limit }
            .flatMap { queuedItems($0, sessions[$0]!, now: now) }
            .map { Ranked(bucket: bucket($0), item: $0) }

        var chosen: [Item] = []
        while chosen.count < capacity, let key = candidates.min(by: { $0.bucket < $1.bucket })?.bucket {
            var queues: [SessionID: ArraySlice<Item>] = [:]
            for candidate in candidates where candidate.bucket == key {
                queues[candidate.item.session, default: []].append(candidate.item)
            }
            for session in queues.keys { queues[session]!.sort(by: Self.urgency) }
            var progressed = true
            while progressed && chosen.count < capacity {
                progressed = false
                for session in roundRobinOrder() where chosen.count < capacity {
                    guard let item = queues[session]?.first, inFlightCounts[session, default: 0] < limit else { continue }
                    queues[session]!.removeFirst()
                    chosen.append(item)
                    inFlightCounts[session, default: 0] += 1
                    lastServed = session
                    progressed = true
                }
            }
            candidates.removeAll { $0.bucket == key || inFlightCounts[$0.item.session, default: 0] >= limit }
        }
        return chosen
    }

    /// A queued item with its fairness slice, computed once per `select`.
    private struct Ranked {
        let bucket: Duration
        let item: Item
    }

    /// Sessions in open order, starting after the one served last.
    private func roundRobinOrder() -> [SessionID] {
        guard let lastServed, let index = sessionOrder.firstIndex(of: lastServed) else { return sessionOrder }
        return Array(sessionOrder[(index + 1)...] + sessionOrder[...index])
    }

    /// The start of the fairness slice holding the item's deadline.
    private func bucket(_ item: Item) -> Duration {
        let quantum = configuration.fairnessQuantum
        guard quantum > .zero else { return item.deadline }
        return quantum * Int64((item.deadline / quantum).rounded(.down))
    }

    private static func urgency(_ lhs: Item, _ rhs: Item) -> Bool {
        lhs.deadline != rhs.deadline ? lhs.deadline < rhs.deadline : lhs.id < rhs.id
    }

    private func queuedItems(_ session: SessionID, _ state: PlaybackSession<Feature>, now: Duration) -> [Item] {
        state.entries.compactMap { key, entry in
            guard case .queued(let id) = entry else { return nil }
            return item(id, session, state, key, now: now)
        }
    }

    private func item(_ id: WorkItemID, _ session: SessionID, _ state: PlaybackSession<Feature>, _ key: FrameKey<Feature>, now: Duration) -> Item {
        let displayTime = state.displayTime(ofFrame: key.index, now: now, pausedGrace: configuration.pausedGrace)
        return Item(
            id: id, session: session, key: key,
            mediaTime: state.mediaTime(ofFrame: key.index),
            displayTime: displayTime,
            deadline: displayTime - configuration.serviceTimes.estimate(for: key.feature)
        )
    }

    private mutating func settle(_ item: Item) {
        guard sessions[item.session]?.entries[item.key] == .inFlight(item.id) else { return }
        sessions[item.session]!.entries[item.key] = .settled
    }
}
