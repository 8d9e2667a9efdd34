/// The dynamic batcher's decisions, with no clocks, tasks or I/O: the caller feeds it requests, the
/// current time and the capacity it has, and it says which requests to run together, which to fail
/// and when to ask again.
///
/// Policy: a batch leaves the queue as soon as it is full; when nothing is running at all it leaves
/// at once (an idle replica never waits, so a lone request pays no batching delay); otherwise the
/// queue waits until its oldest request has waited `maxWait`. Requests are taken by priority, then by
/// arrival. A request past its deadline is expired instead of batched.
public struct BatchingStateMachine<ID: Hashable & Sendable>: Sendable {
    public struct Policy: Sendable, Hashable {
        public var maxBatchSize: Int
        public var maxWait: Duration
        /// Requests allowed to wait; one more is rejected.
        public var maxQueued: Int

        public init(maxBatchSize: Int = 1, maxWait: Duration = .zero, maxQueued: Int = 1024) {
            precondition(maxBatchSize >= 1 && maxQueued >= 0)
            self.maxBatchSize = maxBatchSize
            self.maxWait = maxWait
            self.maxQueued = maxQueued
        }
    }

    public enum Step: Sendable, Equatable {
        /// Run these requests as one batch now.
        case dispatch([ID])
        /// Nothing to run yet; ask again at this instant (or when something changes, if nil).
        case wait(until: ContinuousClock.Instant?)
    }

    struct Entry: Sendable {
        var id: ID
        var priority: Int
        var deadline: ContinuousClock.Instant?
        var arrival: ContinuousClock.Instant
        var sequence: UInt64
    }

    public private(set) var policy: Policy
    /// Ordered by priority (highest first), then arrival.
    private var queue: [Entry] = []
    private var nextSequence: UInt64 = 0

    public init(policy: Policy) {
        self.policy = policy
    }

    public var queuedCount: Int { queue.count }

    /// Applies a new policy to what is queued and what comes next (a rolling update may change it).
    public mutating func update(policy: Policy) {
        self.policy = policy
    }
    public var isEmpty: Bool { queue.isEmpty }

    /// Queues a request; false when the queue is full (the caller rejects it).
    public mutating func enqueue(_ id: ID, priority: Int = 0, deadline: ContinuousClock.Instant? = nil, now: ContinuousClock.Instant) -> Bool {
        guard queue.count < policy.maxQueued else { return false }
        let entry = Entry(id: id, priority: priority, deadline: deadline, arrival: now, sequence: nextSequence)
        nextSequence &+= 1
        // After the last entry of equal or higher priority: FIFO within a priority.
        let index = queue.lastIndex { $0.priority >= priority }.map { $0 + 1 } ?? 0
        queue.insert(entry, at: index)
        return true
    }

    /// Removes a queued request (its caller went away); false if it was not queued.
    public mutating func remove(_ id: ID) -> Bool {
        guard let index = queue.firstIndex(where: { $0.id == id }) else { return false }
        queue.remove(at: index)
        return true
    }

    /// Removes and returns every request whose deadline is at or before `now`.
    public mutating func expire(now: ContinuousClock.Instant) -> [ID] {
        var expired: [ID] = []
        queue.removeAll { entry in
            guard let deadline = entry.deadline, deadline <= now else { return false }
            expired.append(entry.id)
            return true
        }
        return expired
    }

    /// The next batch for a replica that can take `room` more requests, given whether anything is
    /// running anywhere. Call `expire` first; call again after each dispatch while capacity remains.
    public mutating func next(now: ContinuousClock.Instant, room: Int, idle: Bool) -> Step {
        guard !queue.isEmpty else { return .wait(until: nil) }
        let size = min(policy.maxBatchSize, room)
        let oldest = queue.min { $0.arrival < $1.arrival }!.arrival
        let due = oldest.advanced(by: policy.maxWait)
        guard size >= 1 else { return .wait(until: earliestDeadline) }
        if queue.count >= size || idle || due <= now {
            let batch = queue.prefix(size).map(\.id)
            queue.removeFirst(batch.count)
            return .dispatch(batch)
        }
        return .wait(until: [due, earliestDeadline].compactMap { $0 }.min())
    }

    /// The soonest deadline among queued requests (when to expire something next).
    public var earliestDeadline: ContinuousClock.Instant? {
        queue.compactMap(\.deadline).min()
    }
}
