import Logging

/// A named, versioned service: a bounded queue of requests, a dynamic batcher and a set of replicas.
///
/// Requests queue at the deployment (one queue, so priorities and deadlines hold across replicas);
/// `BatchingStateMachine` forms batches and `Router` sends each to the least loaded replica that has a
/// free slot. Replicas can be added (autoscaling), drained and replaced (rolling update) while
/// requests flow: a draining replica finishes what it holds and receives nothing new.
///
/// `run()` must be running (the engine runs it) for batches to execute.
public actor Deployment {
    public nonisolated let name: String
    public private(set) var config: DeploymentConfig
    /// Inputs and outputs of the current version (known once its first replica is built).
    public private(set) var inputs: [TensorSpec] = []
    public private(set) var outputs: [TensorSpec] = []

    private var machine: BatchingStateMachine<UInt64>
    private var waiters: [UInt64: Waiter] = [:]
    private var replicas: [Replica] = []
    private var batches: [UInt64: BatchState] = [:]
    private var building = 0
    private var nextID: UInt64 = 0
    private var nextReplicaID = 0
    private var generator = SystemRandomNumberGenerator()
    private var timerAt: ContinuousClock.Instant?
    private var accepting = true
    private var startupFailure: ServingError?
    private var autoscalingState = AutoscalingPolicy.State()
    private var updating = false
    private var canary: CanaryState?
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private let router = Router()
    private let metrics: ServingMetrics
    private let logger: Logger

    private nonisolated let jobs: AsyncStream<Job>
    private nonisolated let jobSink: AsyncStream<Job>.Continuation

    private struct Waiter {
        var request: InferenceRequest
        var continuation: CheckedContinuation<Result<InferenceResponse, ServingError>, Never>
        var enqueued: ContinuousClock.Instant
        var batch: UInt64?
    }

    private final class Replica {
        let id: Int
        let version: String
        let backend: any ReplicaBackend
        var runningBatches = 0
        var ongoing = 0
        var draining = false
        var drained: [CheckedContinuation<Void, Never>] = []

        init(id: Int, version: String, backend: any ReplicaBackend) {
            self.id = id
            self.version = version
            self.backend = backend
        }

        var canAccept: Bool { !draining && runningBatches < backend.concurrency }
    }

    private struct BatchState {
        var replica: Replica
        var requests: Set<UInt64>
        var signal: CancellationSignal
        var started: ContinuousClock.Instant
    }

    private enum Job: Sendable {
        case execute(@Sendable () async -> Void)
        case stop
    }

    public init(_ config: DeploymentConfig, logger: Logger = Logger(label: "playhead.serving")) throws(ServingError) {
        try config.validate()
        name = config.name
        self.config = config
        machine = BatchingStateMachine(policy: config.batching)
        metrics = ServingMetrics(deployment: config.name)
        var logger = logger
        logger[metadataKey: "deployment"] = "\(config.name)"
        self.logger = logger
        (jobs, jobSink) = AsyncStream.makeStream(of: Job.self)
    }

    // MARK: - Running

    /// Builds the configured replicas and executes batches until `shutdown()` has drained everything.
    /// Cancelling it stops in-flight work at once.
    public nonisolated func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.start() }
            for await job in jobs {
                switch job {
                case .execute(let work): group.addTask { await work() }
                case .stop: group.cancelAll()
                }
                if case .stop = job { break }
            }
        }
    }

    /// Returns once a replica serves traffic (`run()` must be running); throws the start-up error when
    /// the first replicas failed to build, and `.cancelled` when the caller is cancelled.
    public func ready() async throws(ServingError) {
        while !isReady {
            if let startupFailure, replicas.isEmpty, building == 0 { throw ServingError(.unavailable, "deployment '\(name)' has no replica: \(startupFailure.message)") }
            do { try await Task.sleep(for: .milliseconds(5)) } catch { throw ServingError(.cancelled, "waiting for deployment '\(name)' was cancelled") }
        }
    }

    /// Stops accepting requests, lets queued and running ones finish, then ends `run()`.
    public func shutdown() async {
        accepting = false
        if !isIdle { await withCheckedContinuation { idleWaiters.append($0) } }
        jobSink.yield(.stop)
        jobSink.finish()
    }

    private var isIdle: Bool { machine.isEmpty && batches.isEmpty }

    private func start() async {
        let count = config.autoscaling.map { max($0.minReplicas, min(config.replicas, $0.maxReplicas)) } ?? config.replicas
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask { await self.startReplica() }
            }
        }
        if config.autoscaling != nil { submit { await self.autoscaleLoop() } }
    }

    private nonisolated func submit(_ work: @escaping @Sendable () async -> Void) {
        jobSink.yield(.execute(work))
    }

    /// True once at least one replica serves traffic.
    public var isReady: Bool { replicas.contains { !$0.draining } }

    /// Replicas serving traffic (not draining), by version.
    public var replicaVersions: [String] { replicas.filter { !$0.draining }.map(\.version) }

    public var queuedCount: Int { machine.queuedCount }

    // MARK: - Requests

    /// Queues `request`, waits for its batch and returns its result. Cancelling the calling task
    /// removes a queued request, or abandons a running one (its batch is cancelled when every request
    /// in it has been abandoned).
    public func infer(_ request: InferenceRequest) async throws(ServingError) -> InferenceResponse {
        let id = nextID
        nextID &+= 1
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                enqueue(id, request, continuation)
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
        return try result.get()
    }

    private func enqueue(_ id: UInt64, _ request: InferenceRequest,
                         _ continuation: CheckedContinuation<Result<InferenceResponse, ServingError>, Never>) {
        let now = ContinuousClock.now
        let rejection: ServingError? =
            if Task.isCancelled { ServingError(.cancelled, "the request was cancelled") }
            else if !accepting { ServingError(.unavailable, "deployment '\(name)' is shutting down") }
            else if let startupFailure, replicas.isEmpty, building == 0 {
                ServingError(.unavailable, "deployment '\(name)' has no replica: \(startupFailure.message)")
            }
            else if let deadline = request.deadline, deadline <= now { ServingError(.deadlineExceeded, "the deadline passed before the request was queued") }
            else if let problem = validate(request) { problem }
            else if !machine.enqueue(id, priority: request.priority, deadline: request.deadline, now: now) {
                ServingError(.queueFull, "deployment '\(name)' has \(machine.policy.maxQueued) requests queued; retry later")
            } else { nil }
        if let rejection {
            metrics.count(outcome: rejection.code.rawValue)
            continuation.resume(returning: .failure(rejection))
            return
        }
        waiters[id] = Waiter(request: request, continuation: continuation, enqueued: now)
        metrics.queueDepth.record(machine.queuedCount)
        pump()
    }

    private func validate(_ request: InferenceRequest) -> ServingError? {
        guard let backend = replicas.last(where: { !$0.draining && $0.version == config.version })?.backend ?? replicas.last?.backend else { return nil }
        return backend.validate(request)
    }

    private func cancel(_ id: UInt64) {
        if machine.remove(id) {
            finish(id, .failure(ServingError(.cancelled, "the request was cancelled while queued")))
        } else if let batchID = waiters[id]?.batch, var batch = batches[batchID] {
            finish(id, .failure(ServingError(.cancelled, "the request was cancelled while running")))
            batch.requests.remove(id)
            batches[batchID] = batch
            if batch.requests.isEmpty { batch.signal.fire() }
        }
        checkIdle()
    }

    private func finish(_ id: UInt64, _ result: Result<InferenceResponse, ServingError>) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        metrics.requestTime.recordInterval(since: waiter.enqueued)
        switch result {
        case .success: metrics.count(outcome: "ok")
        case .failure(let error): metrics.count(outcome: error.code.rawValue)
        }
        waiter.continuation.resume(returning: result)
    }

    /// Fails expired requests and dispatches every batch the free replicas can take.
    private func pump() {
        let now = ContinuousClock.now
        for id in machine.expire(now: now) {
            finish(id, .failure(ServingError(.deadlineExceeded, "the deadline passed while the request was queued")))
        }
        var wakeAt: ContinuousClock.Instant?
        while !machine.isEmpty {
            var candidates = replicas.map { Router.Candidate(id: $0.id, outstanding: $0.ongoing, canAccept: $0.canAccept && $0.ongoing < config.maxOngoingRequests) }
            if let canary {
                // A canary gets its share of batches; the rest go to the old version (either side may
                // take the batch when the other has no free slot).
                let toCanary = Double.random(in: 0..<1, using: &generator) < canary.share
                let side = candidates.filter { ($0.id == canary.replicaID) == toCanary }
                if side.contains(where: \.canAccept) { candidates = side }
            }
            guard let chosen = router.pick(candidates, using: &generator), let replica = replicas.first(where: { $0.id == chosen }) else {
                wakeAt = machine.earliestDeadline
                break
            }
            let idle = replicas.allSatisfy { $0.runningBatches == 0 }
            let room = config.maxOngoingRequests - replica.ongoing
            switch machine.next(now: now, room: replica.backend.runsRequestsAlone ? min(room, 1) : room, idle: idle) {
            case .dispatch(let ids): dispatch(ids, to: replica, now: now)
            case .wait(let until):
                wakeAt = until
            }
            if wakeAt != nil { break }
        }
        metrics.queueDepth.record(machine.queuedCount)
        if let wakeAt { schedulePump(at: wakeAt) }
        checkIdle()
    }

    private func schedulePump(at instant: ContinuousClock.Instant) {
        if let timerAt, timerAt <= instant { return }
        timerAt = instant
        submit {
            try? await Task.sleep(until: instant, clock: .continuous)
            await self.timerFired(instant)
        }
    }

    private func timerFired(_ instant: ContinuousClock.Instant) {
        if timerAt == instant { timerAt = nil }
        pump()
    }

    private func dispatch(_ ids: [UInt64], to replica: Replica, now: ContinuousClock.Instant) {
        let batchID = nextID
        nextID &+= 1
        var requests: [InferenceRequest] = []
        // Requests queued before any replica existed (or checked against another version during an
        // update) were not validated against this backend; a model backend must never see them.
        var valid: [UInt64] = []
        for id in ids {
            if let request = waiters[id]?.request, let problem = replica.backend.validate(request) {
                finish(id, .failure(problem))
            } else {
                valid.append(id)
            }
        }
        guard !valid.isEmpty else { return }
        let ids = valid
        for id in ids {
            guard var waiter = waiters[id] else { continue }
            waiter.batch = batchID
            waiters[id] = waiter
            requests.append(waiter.request)
            metrics.queueTime.recordInterval(since: waiter.enqueued, now: now)
        }
        replica.runningBatches += 1
        replica.ongoing += ids.count
        metrics.batchSize.record(ids.count)
        metrics.utilisation(replica: replica.id, version: replica.version, value: Double(replica.runningBatches) / Double(replica.backend.concurrency))
        let signal = CancellationSignal()
        batches[batchID] = BatchState(replica: replica, requests: Set(ids), signal: signal, started: now)
        let backend = replica.backend
        let batch = requests
        submit {
            let results = await Deployment.run(batch, on: backend, until: signal)
            await self.complete(batchID, ids: ids, results: results)
        }
    }

    /// Runs a batch, cancelling it when `signal` fires (every caller in it went away).
    private static func run(_ requests: [InferenceRequest], on backend: any ReplicaBackend,
                            until signal: CancellationSignal) async -> [Result<[TensorData], ServingError>] {
        await withTaskGroup(of: [Result<[TensorData], ServingError>]?.self) { group in
            group.addTask { await backend.run(requests) }
            group.addTask {
                await signal.wait()
                return nil
            }
            var results: [Result<[TensorData], ServingError>] = []
            for await outcome in group {
                group.cancelAll()
                if let outcome { results = outcome }
            }
            return results
        }
    }

    private func complete(_ batchID: UInt64, ids: [UInt64], results: [Result<[TensorData], ServingError>]) {
        guard let batch = batches.removeValue(forKey: batchID) else { return }
        let replica = batch.replica
        metrics.computeTime.recordInterval(since: batch.started)
        canary?.record(replica: replica.id, elapsed: .now - batch.started, results: results)
        replica.runningBatches -= 1
        replica.ongoing -= ids.count
        metrics.utilisation(replica: replica.id, version: replica.version, value: Double(replica.runningBatches) / Double(replica.backend.concurrency))
        if results.count == ids.count {
            for (id, result) in zip(ids, results) {
                let request = waiters[id]?.request
                finish(id, result.map { InferenceResponse(id: request?.id, modelName: name, modelVersion: replica.version, outputs: $0) })
            }
        } else {
            logger.error("backend returned a wrong number of results", metadata: ["expected": "\(ids.count)", "got": "\(results.count)"])
            for id in ids { finish(id, .failure(ServingError(.internal, "the replica returned \(results.count) results for \(ids.count) requests"))) }
        }
        if replica.draining && replica.ongoing == 0 { remove(replica) }
        pump()
    }

    private func checkIdle() {
        guard isIdle, !idleWaiters.isEmpty else { return }
        let waiting = idleWaiters
        idleWaiters = []
        for waiter in waiting { waiter.resume() }
    }

    // MARK: - Replicas

    /// Adds a replica of the current version; a failure is logged (and fails queued requests when it
    /// leaves the deployment with no replica at all).
    private func startReplica() async {
        _ = try? await addReplica(version: nil)
    }

    /// Builds and warms a replica of `version` (the current one if nil), then lets it take traffic.
    @discardableResult
    private func addReplica(version: String?, config replicaConfig: DeploymentConfig? = nil, canaryShare: Double? = nil) async throws(ServingError) -> Replica {
        let source = replicaConfig ?? config
        building += 1
        defer { building -= 1 }
        let backend: any ReplicaBackend
        do {
            backend = try await source.backend.make()
            try await backend.warmUp()
        } catch {
            logger.error("replica failed to start", metadata: ["version": "\(source.version)", "error": "\(error)"])
            if replicas.isEmpty && building == 1 {
                startupFailure = error
                failQueued(with: ServingError(.unavailable, "deployment '\(name)' has no replica: \(error.message)"))
            }
            throw error
        }
        let replica = Replica(id: nextReplicaID, version: version ?? source.version, backend: backend)
        nextReplicaID += 1
        // Set before the replica is visible to the router, so a canary never sees more than its share.
        if let canaryShare { canary = CanaryState(replicaID: replica.id, share: canaryShare) }
        replicas.append(replica)
        if replica.version == config.version {
            inputs = backend.inputs
            outputs = backend.outputs
        }
        startupFailure = nil
        metrics.replicaCount.record(replicas.filter { !$0.draining }.count)
        logger.info("replica ready", metadata: ["replica": "\(replica.id)", "version": "\(replica.version)"])
        pump()
        return replica
    }

    private func failQueued(with error: ServingError) {
        while case .dispatch(let ids) = machine.next(now: .now, room: Int.max, idle: true) {
            for id in ids { finish(id, .failure(error)) }
        }
    }

    /// Stops sending work to `replica` and returns once it has finished what it holds.
    private func drain(_ replica: Replica) async {
        replica.draining = true
        metrics.replicaCount.record(replicas.filter { !$0.draining }.count)
        if replica.ongoing == 0 {
            remove(replica)
            return
        }
        await withCheckedContinuation { replica.drained.append($0) }
    }

    private func drain(replicaID: Int) async {
        guard let replica = replicas.first(where: { $0.id == replicaID }) else { return }
        await drain(replica)
    }

    private func remove(_ replica: Replica) {
        replicas.removeAll { $0 === replica }
        metrics.utilisation(replica: replica.id, version: replica.version, value: 0)
        logger.info("replica removed", metadata: ["replica": "\(replica.id)", "version": "\(replica.version)"])
        let waiting = replica.drained
        replica.drained = []
        for waiter in waiting { waiter.resume() }
    }

    // MARK: - Autoscaling

    private func autoscaleLoop() async {
        while !Task.isCancelled && accepting {
            autoscaleTick(now: .now)
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    private func autoscaleTick(now: ContinuousClock.Instant) {
        guard let policy = config.autoscaling, !updating else { return }
        let serving = replicas.filter { !$0.draining }
        let current = serving.count + building
        let ongoing = machine.queuedCount + serving.reduce(0) { $0 + $1.ongoing }
        let target = policy.decide(current: current, ongoing: ongoing, now: now, state: &autoscalingState)
        if target > current {
            logger.info("scaling up", metadata: ["from": "\(current)", "to": "\(target)", "ongoing": "\(ongoing)"])
            for _ in current..<target { submit { await self.startReplica() } }
        } else if target < current, building == 0, let idlest = serving.min(by: { $0.ongoing < $1.ongoing }) {
            logger.info("scaling down", metadata: ["from": "\(current)", "to": "\(target)", "ongoing": "\(ongoing)"])
            let id = idlest.id
            submit { await self.drain(replicaID: id) }
        }
    }

    /// Replica count the autoscaler or the configuration currently wants.
    public var replicaCount: Int { replicas.filter { !$0.draining }.count }

    // MARK: - Rolling update

    /// Replaces every replica with one of `newConfig`'s version, one at a time: the new replica is
    /// built and warmed before an old one is drained, so capacity never drops and no request fails.
    /// If a new replica cannot be built, the new ones are drained, the old version keeps serving
    /// at its old size and the error is thrown.
    ///
    /// With a `canary` policy the first new replica first receives only `share` of the batches for
    /// `window`; if its error rate or p99 compute latency is worse than the old version's by more than
    /// the policy allows, it is drained and the update returns `.rolledBack` with the reason.
    @discardableResult
    public func update(to newConfig: DeploymentConfig, canary policy: CanaryPolicy? = nil) async throws(ServingError) -> UpdateOutcome {
        try newConfig.validate()
        try policy?.validate()
        guard newConfig.name == name else { throw ServingError(.invalidConfig, "cannot update '\(name)' with a config named '\(newConfig.name)'") }
        guard !updating else { throw ServingError(.invalidConfig, "deployment '\(name)' is already being updated") }
        updating = true
        defer { updating = false }
        let previous = config
        let old = replicas.filter { !$0.draining }
        let count = max(1, newConfig.autoscaling.map { max($0.minReplicas, min(old.count, $0.maxReplicas)) } ?? newConfig.replicas)
        logger.info("rolling update", metadata: ["from": "\(previous.version)", "to": "\(newConfig.version)", "replicas": "\(count)",
                                                 "canary": "\(policy.map { "\($0.share)" } ?? "none")"])
        var added: [Replica] = []
        var drained = 0
        for index in 0..<max(count, old.count) {
            if index < count {
                do {
                    added.append(try await addReplica(version: newConfig.version, config: newConfig, canaryShare: index == 0 ? policy?.share : nil))
                } catch {
                    await rollBack(to: previous, rebuilding: drained, draining: added)
                    throw ServingError(error.code, "update of '\(name)' to version \(newConfig.version) rolled back: \(error.message)")
                }
                if index == 0, let policy {
                    if let reason = await judgeCanary(added[0], policy: policy) {
                        await rollBack(to: previous, rebuilding: 0, draining: added)
                        logger.warning("canary rolled back", metadata: ["version": "\(newConfig.version)", "reason": "\(reason)"])
                        return .rolledBack(reason: reason)
                    }
                    logger.info("canary promoted", metadata: ["version": "\(newConfig.version)"])
                }
                if index == 0 {
                    config = newConfig
                    machine.update(policy: newConfig.batching)
                    inputs = added[0].backend.inputs
                    outputs = added[0].backend.outputs
                }
            }
            if index < old.count {
                await drain(old[index])
                drained += 1
            }
        }
        config = newConfig
        return .promoted
    }

    /// Restores `previous` after a failed update: replaces drained old replicas, then drains the new ones.
    private func rollBack(to previous: DeploymentConfig, rebuilding drainedCount: Int, draining added: [Replica]) async {
        canary = nil
        config = previous
        machine.update(policy: previous.batching)
        for _ in 0..<drainedCount {
            _ = try? await addReplica(version: previous.version, config: previous)
        }
        if let survivor = replicas.first(where: { !$0.draining && $0.version == previous.version }) {
            inputs = survivor.backend.inputs
            outputs = survivor.backend.outputs
        }
        for replica in added { await drain(replica) }
    }

    /// Lets `candidate` take its share of traffic for the policy's window, then compares it with the
    /// rest; returns why it is worse, or nil when it may be promoted.
    private func judgeCanary(_ candidate: Replica, policy: CanaryPolicy) async -> String? {
        defer { canary = nil }
        let started = ContinuousClock.now
        // Low traffic gets `patience` more to reach the minimum sample before judging.
        let deadline = policy.window + (policy.patience ?? policy.window * 2)
        while ContinuousClock.now - started < policy.window
                || ((canary?.candidate.requests ?? 0) < policy.minRequests && ContinuousClock.now - started < deadline) {
            try? await Task.sleep(for: .milliseconds(50))
            if Task.isCancelled { return "the update was cancelled" }
        }
        guard let state = canary else { return "the canary state was lost" }
        return policy.verdict(candidate: state.candidate, stable: state.stable)
    }
}
