import Foundation
import Logging
import PlayheadCore
import Serving
import Store

/// Runs every interactive playback session of a server: one `PlaybackScheduler` for all of them, a
/// seek-aware decoder per session, the serving engine's deployments for the models, and the store for
/// memoized results.
///
/// The scheduler decides; this actor carries out its actions. Each dispatched frame feature is a task
/// (decode, model call with the session's priority and the frame's display time as deadline, store
/// write) that the scheduler can cancel when a seek or pause makes it stale. Before frames enter a
/// session's window they are looked up in the store; hits are sent without inference. Closing a
/// session (or its client going away) cancels all of its work.
public actor SessionRuntime {
    public typealias Scheduler = PlaybackScheduler<SessionID, Feature>
    typealias Item = Scheduler.Item

    /// Every result a session computes is recorded under this parameters hash (one frame, whole-frame models).
    public static let parametersHash = "frame-v1"

    public let configuration: Configuration
    public nonisolated let store: any Store
    private let engine: ServingEngine
    private let logger: Logger
    private var scheduler: any SessionScheduling<SessionID, Feature>
    private var sessions: [SessionID: LiveSession] = [:]
    /// Computations the scheduler counts as in flight.
    private var dispatched: [WorkItemID: Task<Void, Never>] = [:]
    /// Every task still running until its body returns (cancelled ones included), with its session.
    private var tasks: [UInt64: (session: SessionID, task: Task<Void, Never>)] = [:]
    private var nextTaskToken: UInt64 = 0
    private var ticker: Task<Void, Never>?
    private var nextSessionID: UInt64 = 0
    /// Each feature's calibration, measured once by the first session that uses it.
    private var calibrations: [Feature: Task<Calibration?, Never>] = [:]
    private var calibrated: Set<Feature> = []
    /// CPU time to decode one analysis frame, measured once by the first session.
    private var frameCost: Task<Duration?, Never>?
    /// What admission charges; pushed to the scheduler whenever a figure changes.
    private var admissionCosts = AdmissionCosts<Feature>(capacity: Double(ProcessInfo.processInfo.activeProcessorCount), perFrame: .zero)
    /// The current window of the CPU time check: the process's CPU time at its start and what the
    /// admission costs predict for the items completed since.
    private var costWindow: (start: Duration, cpu: Duration, predicted: Duration) = (.zero, ProcessCPU.now(), .zero)
    private let origin = ContinuousClock.now

    public init(engine: ServingEngine, store: any Store, configuration: Configuration = Configuration(),
                logger: Logger = Logger(label: "playhead.sessions")) {
        self.engine = engine
        self.store = store
        self.configuration = configuration
        self.logger = logger
        switch configuration.policy {
        case .deadline:
            scheduler = Scheduler(configuration: .init(
                workers: configuration.workers, targetUtilization: configuration.targetUtilization,
                maxInFlightPerSession: configuration.maxInFlightPerSession,
                serviceTimes: configuration.serviceTimes))
        case .fifo:
            scheduler = FIFOScheduler(serviceTimes: configuration.serviceTimes)
        }
    }

    /// What a calibration burst measured for one feature: wall time per item (for deadlines) and CPU time
    /// per item (for admission).
    private struct Calibration: Sendable {
        var latency: Duration
        var cpu: Duration
    }

    /// Measures each feature not measured yet, so that sessions opened together are admitted on this
    /// machine's figures, not on the configured guesses. Features are measured one after the other, each
    /// on the media's first frame: a warm-up round, then `2 × workers` items `workers` at a time (as many
    /// as the runtime runs, at most 4), timing each item (its latency, which sets deadlines) and the
    /// process's CPU time over the burst (its cost, which admission charges). Decoding is measured once,
    /// on the frames after the first. Completions and the CPU time check refine both later.
    private func calibrate(_ models: [FeatureModel], decoder: SessionDecoder) async {
        if frameCost == nil {
            frameCost = Task {
                guard (try? await decoder.frames(at: 0)) != nil else { return nil }
                let frames: Int64 = 8, start = ProcessCPU.now()
                for index in 1...frames { guard (try? await decoder.frames(at: index)) != nil else { return nil } }
                return (ProcessCPU.now() - start) / Int(frames)
            }
        }
        let missing = models.enumerated().filter { calibrations[$0.element.feature] == nil }
        if !missing.isEmpty {
            let workers = min(configuration.workers, 4), priority = configuration.priority
            // One task measures the missing features in turn, after the decoding, so each burst's CPU time
            // is its feature's alone.
            let decodingMeasured = frameCost
            let burst = Task { () -> [Feature: Calibration] in
                _ = await decodingMeasured?.value
                guard let frames = try? await decoder.frames(at: 0) else { return [:] }
                var measured: [Feature: Calibration] = [:]
                for (output, model) in missing {
                    guard let frame = frames.frames[output] else { continue }
                    let clock = ContinuousClock()
                    var latencies: [Duration] = [], cpu = Duration.zero
                    for round in 0..<2 {
                        let start = ProcessCPU.now()
                        let count = round == 0 ? workers : 2 * workers
                        let times = await withTaskGroup(of: Duration?.self) { group in
                            for index in 0..<count {
                                if index >= workers { _ = await group.next() }
                                group.addTask {
                                    let start = clock.now
                                    return (try? await model.analyze(frame, priority: priority, deadline: nil)).map { _ in clock.now - start }
                                }
                            }
                            return await group.reduce(into: [Duration]()) { if let time = $1 { $0.append(time) } }
                        }
                        if round == 1 { latencies = times; cpu = (ProcessCPU.now() - start) / count }
                    }
                    guard !latencies.isEmpty else { continue }
                    measured[model.feature] = Calibration(latency: latencies.reduce(.zero, +) / latencies.count, cpu: cpu)
                }
                return measured
            }
            for (_, model) in missing {
                calibrations[model.feature] = Task { await burst.value[model.feature] }
            }
        }
        let decoding = await frameCost?.value
        for model in models {
            guard let task = calibrations[model.feature], let measured = await task.value, !calibrated.contains(model.feature) else { continue }
            calibrated.insert(model.feature)
            // The latency of a frame feature includes decoding its frame.
            scheduler.calibrate(model.feature, serviceTime: measured.latency + (decoding ?? .zero))
            admissionCosts.perItem[model.feature] = measured.cpu
            logger.notice("calibrated", metadata: ["feature": "\(model.feature)", "service_ms": "\(measured.latency / .milliseconds(1))",
                                                   "cpu_ms": "\(measured.cpu / .milliseconds(1))"])
        }
        if let decoding, admissionCosts.perFrame != decoding {
            admissionCosts.perFrame = decoding
            logger.notice("calibrated decoding", metadata: ["cpu_ms_per_frame": "\(decoding / .milliseconds(1))"])
        }
        if decoding != nil && configuration.admitOnCPUTime { scheduler.setAdmissionCosts(admissionCosts) }
        // The CPU time check starts after the bursts, which it would otherwise count as sessions' work.
        costWindow = (now, ProcessCPU.now(), .zero)
    }

    /// Every `costWindowLength`, compares the process's CPU time with what the admission costs predict
    /// for the items completed meanwhile, and folds the ratio into their scale; only near saturation,
    /// where admission decisions matter: at light load OpenVINO's threads spin between inferences, which
    /// on 2 cores made one session's CPU time ~1.7× its items' (three sessions': ~1.0×).
    private func checkCosts(now: Duration) {
        guard now - costWindow.start >= Self.costWindowLength else { return }
        let cpu = ProcessCPU.now()
        let busy = (cpu - costWindow.cpu) / (now - costWindow.start) >= Self.busyShare * admissionCosts.capacity
        // Too little computed to tell the sessions' work from the rest of the server's.
        if busy && costWindow.predicted >= .seconds(1) && configuration.admitOnCPUTime {
            admissionCosts.observe(measured: cpu - costWindow.cpu, predicted: costWindow.predicted)
            scheduler.setAdmissionCosts(admissionCosts)
            logger.debug("admission costs scaled", metadata: ["scale": "\(admissionCosts.scale)"])
        }
        costWindow = (now, cpu, .zero)
    }

    /// The share of the cores in use from which the CPU time check counts.
    private static let busyShare = 0.7
    private static let costWindowLength = Duration.seconds(5)

    /// Wall time on the scheduler's time base.
    private var now: Duration { ContinuousClock.now - origin }

    // MARK: Commands

    /// Opens a paused session at position zero on catalogued media; its first window starts computing at once.
    public func open(media id: MediaID, features: [Feature], fps: Rational, lookahead: Duration) async throws(SessionError) -> OpenedSession {
        guard !features.isEmpty, Set(features).count == features.count else {
            throw SessionError(.invalidRequest, "features must be a non-empty list without repeats")
        }
        guard fps.numerator > 0, fps.denominator > 0, fps.doubleValue <= Double(configuration.maxFPS) else {
            throw SessionError(.invalidRequest, "fps must be in (0, \(configuration.maxFPS)]")
        }
        guard lookahead > .zero, lookahead <= configuration.maxLookahead else {
            throw SessionError(.invalidRequest, "lookahead must be in (0, \(configuration.maxLookahead / .seconds(1))] seconds")
        }
        var models: [FeatureModel] = []
        for feature in features {
            guard let deployment = configuration.deployments[feature] else {
                let known = configuration.deployments.keys.map(\.rawValue).sorted().joined(separator: ", ")
                throw SessionError(.invalidRequest, "unknown feature '\(feature)'; available: \(known)")
            }
            models.append(try await FeatureModel.resolve(feature, deployment: deployment, engine: engine))
        }
        let record: MediaRecord
        do {
            guard let found = try await store.media(id) else { throw SessionError(.unknownMedia, "no media with id \(id) in the catalog") }
            record = found
        } catch let error as SessionError {
            throw error
        } catch {
            throw SessionError(.storeFailed, "reading the catalog: \(error)")
        }
        let decoder: SessionDecoder
        do {
            let formats = models.map { $0.frameFormat(sourceWidth: record.probe.width ?? 0, sourceHeight: record.probe.height ?? 0) }
            decoder = try await SessionDecoder.open(path: record.location, formats: formats, fps: fps)
        } catch {
            throw SessionError(.mediaUnavailable, "cannot decode media \(id): \(error)")
        }
        let video = decoder.info.video
        let duration = video?.duration ?? decoder.info.duration
        let request = SessionRequest(features: features, fps: fps, lookahead: lookahead,
                                     mediaDuration: duration.map { Duration.seconds($0) })

        let (events, continuation) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .bufferingNewest(4096))
        let width = video?.displayWidth ?? 0, height = video?.displayHeight ?? 0
        var session = LiveSession(
            media: record, request: request,
            models: Dictionary(uniqueKeysWithValues: models.map { ($0.feature, $0) }),
            outputIndex: Dictionary(uniqueKeysWithValues: features.enumerated().map { ($1, $0) }),
            decoder: decoder, width: width, height: height, events: continuation,
            clock: PlaybackClock(at: now), pendingSeek: nil, lastStats: now,
            stats: SessionStats(position: 0, playing: false, hits: 0, memoizedHits: 0, late: 0, dropped: 0, resultsSent: 0,
                                inFlight: 0, queued: 0))
        // Stored frames of the first window are known before the scheduler sees the session, so none is dispatched.
        let stored = await storedFrames(&session, from: .zero)
        if configuration.calibrate { await calibrate(models, decoder: decoder) }

        nextSessionID += 1
        let sessionID = SessionID(nextSessionID)
        let opened = now
        let admission = scheduler.open(sessionID, request, now: opened)
        if case .refuse(_, let refusal)? = admission.first { throw SessionError(refusal) }
        session.clock = PlaybackClock(at: opened)
        session.pendingSeek = (.zero, opened)
        session.lastStats = opened
        sessions[sessionID] = session
        SessionMetrics.openSessions.record(sessions.count)
        logger.info("session opened", metadata: ["session": "\(sessionID)", "media": "\(id)", "features": "\(features)", "fps": "\(fps)"])
        execute(admission)
        if !stored.isEmpty { execute(scheduler.memoized(sessionID, stored)) }
        pump()
        startTicker()
        return OpenedSession(id: sessionID, events: events, width: width, height: height, duration: duration)
    }

    /// Playback started or continued from `position` (media time) at `rate`.
    public func play(_ id: SessionID, from position: Duration, rate: Double = 1) async throws(SessionError) {
        try await reposition(id, to: position) { session, now in
            // Playing from somewhere else than the playhead is a seek for the seek-latency figures.
            if abs((session.clock.position(at: now) - position) / .seconds(1)) * session.request.fps.doubleValue >= 1 {
                session.pendingSeek = (position, now)
            }
            session.clock.play(from: position, rate: rate, at: now)
            return scheduler.play(id, from: position, rate: rate, now: now)
        }
    }

    /// Playback paused at `position`.
    public func pause(_ id: SessionID, at position: Duration) async throws(SessionError) {
        try await reposition(id, to: position) { session, now in
            session.clock.pause(at: position, now: now)
            return scheduler.pause(id, at: position, now: now)
        }
    }

    /// The playhead jumped to `position`; stale work is cancelled and the new window's first frames go first.
    public func seek(_ id: SessionID, to position: Duration) async throws(SessionError) {
        try await reposition(id, to: position) { session, now in
            session.pendingSeek = (position, now)
            session.clock.seek(to: position, at: now)
            return scheduler.seek(id, to: position, now: now)
        }
    }

    /// Closes the session: queued work is forgotten, running work cancelled, its event stream finished.
    /// Closing an unknown or closed session does nothing.
    public func close(_ id: SessionID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        execute(scheduler.close(id))
        for (_, entry) in tasks where entry.session == id { entry.task.cancel() }
        session.events.finish()
        SessionMetrics.openSessions.record(sessions.count)
        logger.info("session closed", metadata: ["session": "\(id)", "results": "\(session.stats.resultsSent)"])
        if sessions.isEmpty {
            ticker?.cancel()
            ticker = nil
        }
        pump()
    }

    /// Closes every session (graceful shutdown).
    public func shutdown() {
        for id in sessions.keys.sorted() { close(id) }
    }

    // MARK: Introspection

    /// Sessions currently open.
    public var openSessionCount: Int { sessions.count }

    /// What `id` occupies now; all zero once it is closed and its cancelled tasks have unwound.
    public func workload(of id: SessionID) -> SessionWorkload {
        SessionWorkload(inFlight: scheduler.inFlightItems.filter { $0.session == id }.count,
                        queued: scheduler.queuedItems(of: id, now: now).count,
                        tasks: tasks.values.filter { $0.session == id }.count)
    }

    /// The session's figures now; nil when it is not open.
    public func stats(of id: SessionID) -> SessionStats? {
        guard sessions[id] != nil else { return nil }
        return currentStats(id)
    }

    // MARK: Driving the scheduler

    /// Looks up the frames around the new position, then applies the playhead change.
    private func reposition(_ id: SessionID, to position: Duration,
                            _ change: (inout LiveSession, Duration) -> [Scheduler.Action]) async throws(SessionError) {
        guard sessions[id] != nil else { throw SessionError(.notOpen, "session \(id) is not open") }
        guard position >= .zero else { throw SessionError(.invalidMessage, "position must not be negative") }
        await lookUp(id, from: position)
        guard var session = sessions[id] else { throw SessionError(.notOpen, "session \(id) closed meanwhile") }
        let actions = change(&session, now)
        sessions[id] = session
        execute(actions)
        pump()
    }

    /// Starts as many items as there are free workers.
    private func pump() {
        execute(scheduler.next(now: now, capacity: max(0, configuration.workers - dispatched.count)))
    }

    private func execute(_ actions: [Scheduler.Action]) {
        for action in actions {
            switch action {
            case .accepted, .refuse, .grantBatch:
                // Admission is answered by `open`; batch work takes its capacity through lower deployment priorities.
                continue
            case .dispatch(let items):
                for item in items { start(item) }
            case .cancel(let ids):
                for id in ids { dispatched.removeValue(forKey: id)?.cancel() }
            case .drop(let items):
                for item in items { sessions[item.session]?.stats.dropped += 1 }
                for _ in items { SessionMetrics.count("dropped") }
            case .sendMemoized(let id, let keys):
                sendStored(id, keys)
            }
        }
    }

    private func startTicker() {
        guard ticker == nil else { return }
        let interval = configuration.tickInterval
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.tick()
            }
        }
    }

    /// Advances windows, drops late work, looks ahead in the store and sends due stats.
    private func tick() {
        pump()
        let now = now
        checkCosts(now: now)
        for id in sessions.keys.sorted() {
            guard let session = sessions[id] else { continue }
            if session.clock.isPlaying && !session.lookupRunning {
                let position = session.clock.position(at: now)
                sessions[id]!.lookupRunning = true
                track(id) { runtime in
                    await runtime.lookUp(id, from: position)
                    await runtime.lookupFinished(id)
                }
            }
            if now - session.lastStats >= configuration.statsInterval {
                sessions[id]!.lastStats = now
                session.events.yield(.stats(currentStats(id)))
            }
        }
    }

    private func currentStats(_ id: SessionID) -> SessionStats {
        let session = sessions[id]!
        var stats = session.stats
        stats.position = session.clock.position(at: now) / .seconds(1)
        stats.playing = session.clock.isPlaying
        stats.inFlight = scheduler.inFlightItems.filter { $0.session == id }.count
        stats.queued = scheduler.queuedItems(of: id, now: now).count
        stats.medianLeadSeconds = session.medianLead
        return stats
    }

    /// Runs `body` as a task of the session: counted in its workload until it returns, cancelled when it closes.
    @discardableResult
    private func track(_ id: SessionID, _ body: @escaping @Sendable (SessionRuntime) async -> Void) -> Task<Void, Never> {
        nextTaskToken += 1
        let token = nextTaskToken
        // The task starts on this actor, so it cannot untrack itself before it is tracked.
        let task = Task {
            await body(self)
            self.untrack(token)
        }
        tasks[token] = (id, task)
        return task
    }

    private func untrack(_ token: UInt64) {
        tasks[token] = nil
    }

    // MARK: Computing

    private func resultKey(_ session: LiveSession, _ index: Int64, _ feature: Feature) -> ResultKey? {
        guard let model = session.models[feature]?.model,
              let range = try? TimeRange(start: session.mediaTime(ofFrame: index) / .seconds(1), end: session.mediaTime(ofFrame: index) / .seconds(1))
        else { return nil }
        return ResultKey(media: session.media.id, feature: feature, model: model, parametersHash: Self.parametersHash, range: range)
    }

    private func start(_ item: Item) {
        guard let session = sessions[item.session], let model = session.models[item.feature],
              let output = session.outputIndex[item.feature], let key = resultKey(session, item.frameIndex, item.feature) else {
            scheduler.failed(item.id)
            return
        }
        // A paused session's display times are virtual: its frames have no deadline to miss.
        let deadline = configuration.policy == .deadline && session.clock.isPlaying ? origin + item.displayTime : nil
        let decoder = session.decoder, priority = configuration.priority, store = store
        let width = session.width, height = session.height, time = key.range.start
        dispatched[item.id] = track(item.session) { runtime in
            let started = ContinuousClock.now
            let detections: [FrameDetection]
            do {
                guard let frame = try await decoder.frames(at: item.frameIndex)?.frames[output] else { throw PastTheEnd() }
                detections = try await model.analyze(frame, priority: priority, deadline: deadline)
                try Task.checkCancellation()
            } catch {
                await runtime.failed(item, error)
                return
            }
            let computeTime = ContinuousClock.now - started
            await runtime.deliver(item, FrameResult(feature: item.feature, frame: item.frameIndex, time: time, width: width,
                                                    height: height, detections: detections, memoized: false))
            let annotations = detections.map {
                Annotation(feature: item.feature, start: time, end: time, label: $0.label, score: $0.score, box: $0.box, model: key.model)
            }
            do {
                // A computed result is kept even when the session moves on or closes meanwhile: recording
                // is cheap and the next viewer is served from it.
                _ = try await Task.detached { try await store.record(key, annotations: annotations) }.value
            } catch {
                await runtime.failed(item, error)
                return
            }
            await runtime.completed(item, duration: computeTime)
        }
    }

    private func deliver(_ item: Item, _ result: FrameResult) {
        guard dispatched[item.id] != nil else { return }
        emit(result, to: item.session)
    }

    private func completed(_ item: Item, duration: Duration) {
        guard dispatched.removeValue(forKey: item.id) != nil else { return }
        if let cost = admissionCosts.perItem[item.feature], let features = sessions[item.session]?.request.features.count {
            costWindow.predicted += cost + admissionCosts.perFrame / max(features, 1)
        }
        scheduler.completed(item.id, duration: duration)
        pump()
    }

    private func failed(_ item: Item, _ error: any Error) {
        // Cancelled items were already taken off `dispatched`; their failure is the cancellation itself.
        guard dispatched.removeValue(forKey: item.id) != nil else { return }
        if let serving = error as? ServingError, serving.code == .deadlineExceeded, sessions[item.session]?.clock.isPlaying == false {
            // The deadline was the display time while playing; paused since, the frame on screen is wanted again.
            scheduler.requeue(item.id)
            pump()
            return
        }
        scheduler.failed(item.id)
        let metadata: Logger.Metadata = ["session": "\(item.session)", "frame": "\(item.frameIndex)", "feature": "\(item.feature)", "error": "\(error)"]
        switch error {
        case let serving as ServingError where serving.code == .deadlineExceeded:
            sessions[item.session]?.stats.dropped += 1
            SessionMetrics.count("dropped")
        case is CancellationError, is PastTheEnd:
            break
        case let serving as ServingError where serving.code == .cancelled:
            break
        case let storeError as StoreError:
            logger.warning("recording a session result failed", metadata: metadata.merging(["code": "\(storeError.code.rawValue)"]) { $1 })
        default:
            logger.warning("analysing a session frame failed", metadata: metadata)
            let sessionError = error as? SessionError ?? SessionError(.analysisFailed, "\(item.feature) at frame \(item.frameIndex): \(error)")
            sessions[item.session]?.events.yield(.error(sessionError))
        }
        pump()
    }

    /// Sends a result and counts it against its frame's display time.
    private func emit(_ result: FrameResult, to id: SessionID) {
        guard var session = sessions[id] else { return }
        let now = now
        let mediaTime = session.mediaTime(ofFrame: result.frame)
        if let display = session.clock.displayTime(of: mediaTime) {
            let lead = display - now
            if lead >= .zero {
                if result.memoized { session.stats.memoizedHits += 1 } else { session.stats.hits += 1 }
                session.noteLead(lead / .seconds(1))
                SessionMetrics.record(SessionMetrics.leadTime, lead)
                SessionMetrics.count(result.memoized ? "memoized" : "hit")
            } else {
                session.stats.late += 1
                SessionMetrics.count("late")
            }
        } else {
            SessionMetrics.count("paused")
        }
        if let seek = session.pendingSeek, mediaTime >= seek.position {
            session.pendingSeek = nil
            session.stats.lastSeekLatencySeconds = (now - seek.wall) / .seconds(1)
            SessionMetrics.record(SessionMetrics.seekLatency, now - seek.wall)
        }
        session.stats.resultsSent += 1
        sessions[id] = session
        session.events.yield(.result(result))
    }

    // MARK: Memoized results

    /// Looks up in the store the frames from `position` to `lookupReach` lookaheads ahead that were not
    /// looked up yet, and tells the scheduler about the hits.
    private func lookUp(_ id: SessionID, from position: Duration) async {
        guard var session = sessions[id], let span = lookupSpan(session, from: position) else { return }
        // Marked before the reads, so a concurrent look-up of the same frames skips them.
        session.lookedUp.formUnion(span)
        sessions[id]!.lookedUp = session.lookedUp
        let hits = await storedFrames(in: span, of: session)
        guard sessions[id] != nil, !hits.isEmpty else { return }
        execute(scheduler.memoized(id, hits))
    }

    private func lookupFinished(_ id: SessionID) {
        sessions[id]?.lookupRunning = false
    }

    /// Frames from `position` to `lookupReach` lookaheads ahead not looked up yet; nil when there are none.
    private func lookupSpan(_ session: LiveSession, from position: Duration) -> [Int64]? {
        guard let frames = session.frames(from: position, span: session.request.lookahead * configuration.lookupReach) else { return nil }
        let fresh = frames.filter { !session.lookedUp.contains($0) }
        return fresh.isEmpty ? nil : fresh
    }

    /// `lookUp` for a session the scheduler does not know yet: marks the frames and returns the hits.
    private func storedFrames(_ session: inout LiveSession, from position: Duration) async -> [FrameKey<Feature>] {
        guard let span = lookupSpan(session, from: position) else { return [] }
        session.lookedUp.formUnion(span)
        return await storedFrames(in: span, of: session)
    }

    /// The frame features of `frames` whose results are in the store, read in one query per feature, in no
    /// particular order (`sendStored` sends in frame order).
    private func storedFrames(in frames: [Int64], of session: LiveSession) async -> [FrameKey<Feature>] {
        var frameKeys: [ResultKey: FrameKey<Feature>] = [:]
        for index in frames {
            for feature in session.request.features {
                guard let key = resultKey(session, index, feature) else { continue }
                frameKeys[key] = FrameKey(index: index, feature: feature)
            }
        }
        do {
            return try await store.recorded(Array(frameKeys.keys)).compactMap { frameKeys[$0] }
        } catch {
            // A failed look-up only costs a recomputation; a cancelled one is not wanted any more.
            if !Task.isCancelled {
                logger.warning("looking up stored results failed", metadata: ["media": "\(session.media.id)", "error": "\(error)"])
            }
            return []
        }
    }

    /// Reads stored results and sends them, in frame order.
    private func sendStored(_ id: SessionID, _ keys: [FrameKey<Feature>]) {
        guard let session = sessions[id] else { return }
        let requests = keys.sorted { ($0.index, $0.feature.rawValue) < ($1.index, $1.feature.rawValue) }
            .compactMap { key in resultKey(session, key.index, key.feature).map { (key, $0) } }
        let store = store, width = session.width, height = session.height
        track(id) { runtime in
            for (frameKey, resultKey) in requests {
                guard !Task.isCancelled else { return }
                do {
                    let annotations = try await store.annotations(for: resultKey)
                    let detections = annotations.compactMap { annotation in
                        annotation.box.map { FrameDetection(label: annotation.label, score: annotation.score ?? 0, box: $0) }
                    }
                    await runtime.emit(FrameResult(feature: frameKey.feature, frame: frameKey.index, time: resultKey.range.start,
                                                   width: width, height: height, detections: detections, memoized: true), to: id)
                } catch {
                    await runtime.storeReadFailed(id, error)
                }
            }
        }
    }

    /// The container's duration reaches past the last frame: nothing to analyse, nothing to report.
    private struct PastTheEnd: Error {}

    private func storeReadFailed(_ id: SessionID, _ error: any Error) {
        logger.warning("reading a stored result failed", metadata: ["session": "\(id)", "error": "\(error)"])
        sessions[id]?.events.yield(.error(SessionError(.storeFailed, "reading a stored result: \(error)")))
    }
}
