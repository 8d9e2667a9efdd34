import Analyzers
import Foundation
import Logging
import MediaIO
import PlayheadCore
import Store
import Synchronization

/// A stateless worker: leases chunk tasks from the store, computes them, and records the results.
///
/// All state lives in the store, so any number of workers on any machines can share a queue and any of
/// them may die: a lease is renewed by a heartbeat while its chunk is computed, and a task whose lease
/// expires is leased again by another worker. A failed chunk is retried after a growing backoff until it
/// has used its attempts. The worker that completes a job's last chunk stitches the chunks and records
/// the job's results (idempotently: a second finisher replaces them with the same).
public final class Worker: Sendable {
    public struct Configuration: Sendable {
        /// How long a lease lasts without a heartbeat: how soon a dead worker's chunk is taken over.
        public var leaseDuration: Duration
        /// How often the lease is renewed (and the frames done saved) while a chunk is computed.
        public var heartbeat: Duration
        /// Attempts per chunk before the job fails.
        public var maxAttempts: Int
        /// The first retry's delay; each retry doubles it, up to a minute.
        public var retryBackoff: Duration
        /// How long an idle worker waits before asking for work again.
        public var pollInterval: Duration

        public init(leaseDuration: Duration = .seconds(30), heartbeat: Duration = .seconds(5), maxAttempts: Int = 3,
                    retryBackoff: Duration = .seconds(1), pollInterval: Duration = .milliseconds(250)) {
            self.leaseDuration = leaseDuration
            self.heartbeat = heartbeat
            self.maxAttempts = maxAttempts
            self.retryBackoff = retryBackoff
            self.pollInterval = pollInterval
        }
    }

    public let store: any Store
    public let factory: AnalyzerFactory
    /// The lease owner's name: host and process, plus a slot number for in-process pools.
    public let name: String
    public let configuration: Configuration
    private let logger: Logger
    private let running = Atomic<Int>(0)

    public init(store: any Store, factory: AnalyzerFactory, name: String = Worker.defaultName(),
                configuration: Configuration = Configuration(), logger: Logger = Logger(label: "playhead.worker")) {
        self.store = store
        self.factory = factory
        self.name = name
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "worker"] = "\(name)"
        self.logger = logger
    }

    /// "host:pid".
    public static func defaultName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Leases and computes tasks (of `job` only, when given) with `concurrency` chunks at once, until
    /// `stop()` returns true between tasks or the caller is cancelled.
    public func run(concurrency: Int = 1, job: UUID? = nil, stop: @escaping @Sendable () async -> Bool) async throws {
        let stopped = WakeSignal()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slot in 0..<max(1, concurrency) {
                group.addTask { [self] in
                    let owner = concurrency > 1 ? "\(name)/\(slot)" : name
                    while await !stop() {
                        try Task.checkCancellation()
                        if try await !runOnce(owner: owner, job: job) {
                            await stopped.sleep(for: configuration.pollInterval)
                            try Task.checkCancellation()
                        }
                    }
                    // The first slot to see `stop()` wakes the idle ones, which then see it too (it stays true).
                    stopped.fire()
                }
            }
            try await group.waitForAll()
        }
    }

    /// Leases one task and computes it; false when there was nothing to lease.
    @discardableResult
    public func runOnce(owner: String? = nil, job: UUID? = nil) async throws -> Bool {
        let owner = owner ?? name
        guard let task = try await store.leaseNextTask(owner: owner, leaseDuration: configuration.leaseDuration, job: job) else { return false }
        try await process(task, owner: owner)
        return true
    }

    private func process(_ task: JobTask, owner: String) async throws {
        var logger = logger
        logger[metadataKey: "job"] = "\(task.job)"
        logger[metadataKey: "chunk"] = "\(task.chunk)"
        logger[metadataKey: "attempt"] = "\(task.attempts)"
        let clock = ContinuousClock()
        let started = clock.now
        let cpuBefore = ProcessCPU.seconds()
        running.add(1, ordering: .relaxed)
        do {
            let output = try await withLease(task, owner: owner) { frames in try await self.compute(task, owner: owner, frames: frames) }
            let framesDecoded = output.reduce(0) { $0 + $1.framesDecoded }
            // With several chunks in flight in one process, its CPU time is shared out evenly among them.
            let cpu = (ProcessCPU.seconds() - cpuBefore) / Double(max(1, running.load(ordering: .relaxed)))
            running.subtract(1, ordering: .relaxed)
            let wall = (clock.now - started).seconds
            try await store.renewLease(task: task.id, owner: owner, leaseDuration: configuration.leaseDuration, framesDone: framesDecoded)
            try await store.completeTask(task: task.id, owner: owner, cpuSeconds: cpu, wallSeconds: wall, output: try Self.json(output))
            logger.info("chunk done", metadata: ["frames": "\(framesDecoded)", "cpu_s": "\(cpu)", "wall_s": "\(wall)"])
        } catch let error as LeaseLost {
            running.subtract(1, ordering: .relaxed)
            logger.warning("lease lost; dropping the chunk", metadata: ["error": "\(error.error)"])
            return
        } catch where Task.isCancelled {
            running.subtract(1, ordering: .relaxed)
            // The lease runs out and another worker takes the chunk over.
            logger.notice("cancelled; the chunk goes back to the queue when its lease expires")
            throw CancellationError()
        } catch {
            running.subtract(1, ordering: .relaxed)
            let delay = configuration.retryBackoff * (1 << min(max(0, task.attempts - 1), 6))
            let retry = min(delay, .seconds(60))
            logger.error("chunk failed", metadata: ["error": "\(error)", "retry_in_s": "\(retry.seconds)"])
            try await store.failTask(task: task.id, owner: owner, error: Self.describe(error), maxAttempts: configuration.maxAttempts, retryAfter: retry)
        }
        try await finishIfDone(job: task.job, logger: logger)
    }

    /// Runs `body` while a heartbeat renews the lease; a lost lease cancels `body` and throws ``LeaseLost``.
    private func withLease<T: Sendable>(_ task: JobTask, owner: String, _ body: @escaping @Sendable (FrameCounter) async throws -> T) async throws -> T {
        let frames = FrameCounter()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body(frames) }
            group.addTask { [self] in
                while true {
                    try await Task.sleep(for: configuration.heartbeat)
                    do {
                        try await store.renewLease(task: task.id, owner: owner, leaseDuration: configuration.leaseDuration, framesDone: frames.value)
                    } catch let error as StoreError where error.code == .conflict || error.code == .notFound {
                        throw LeaseLost(error: error)
                    } catch {
                        // A store hiccup: keep computing; the next beat tries again before the lease runs out.
                        logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
                    }
                }
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw CancellationError()
        }
    }

    /// What one task computes: its segments' video analysis in order, each saved as a checkpoint with
    /// the lease as soon as it is done, after those a previous holder saved; for the file's first segment
    /// also the speech of the whole audio track (the VAD reads the track as one stream; it costs little).
    private func compute(_ task: JobTask, owner: String, frames: FrameCounter) async throws -> [ChunkResult] {
        let (job, spec, path) = try await load(task.job)
        guard let segments = spec.segments(ofTaskStartingAt: task.chunk.start) else {
            throw PlayheadError(.invalidArgument, "job \(job.id) has no planned task starting at \(task.chunk.start) s")
        }
        var done: [ChunkResult] = []
        if let checkpoint = task.checkpoint {
            done = (try? JSONDecoder().decode([ChunkResult].self, from: Data(checkpoint.utf8))) ?? []
            if !done.isEmpty { logger.notice("resuming from a checkpoint", metadata: ["job": "\(job.id)", "segments_done": "\(done.count)"]) }
        }
        let video = try await factory.videoAnalysis(spec.options, frameRate: spec.frameRate.doubleValue)
        let wantsSpeech = spec.options.features.contains("speech")
        let analysis = ChunkedAnalysis(analysis: video, planner: try JobPlanner(), workers: 1)
        for segment in segments.dropFirst(done.count) {
            async let speech = segment.index == 0 && wantsSpeech ? factory.speechDetector().detect(path: path) : nil
            var result = try await analysis.analyse(path: path, chunk: segment) { _ in frames.increment() }
            if wantsSpeech { result.speech = try await speech ?? [] }
            done.append(result)
            if done.count < segments.count {
                try await store.renewLease(task: task.id, owner: owner, leaseDuration: configuration.leaseDuration,
                                           framesDone: frames.value, checkpoint: try Self.json(done))
            }
        }
        return done
    }

    private func load(_ id: UUID) async throws -> (Job, JobSpec, String) {
        guard let job = try await store.job(id) else { throw StoreError(.notFound, "job \(id) does not exist") }
        guard let parameters = job.parameters else {
            throw PlayheadError(.invalidArgument, "job \(id) has no parameters; it was not created by a Playhead planner")
        }
        let spec: JobSpec
        do { spec = try JSONDecoder().decode(JobSpec.self, from: Data(parameters.utf8)) } catch {
            throw PlayheadError(.invalidArgument, "job \(id) has parameters this worker cannot read (\(error)); upgrade the worker")
        }
        guard let media = try await store.media(job.media) else { throw StoreError(.notFound, "media \(job.media) of job \(id) is not in the catalog") }
        return (job, spec, media.location)
    }

    /// Ends the job when no chunk is left to run: failed (with each failed chunk's error; the other chunks'
    /// outputs stay in the store) when a chunk used all its attempts, else stitched and recorded.
    public func finishIfDone(job id: UUID, logger: Logger? = nil) async throws {
        let logger = logger ?? self.logger
        guard let job = try await store.job(id), job.state == .queued || job.state == .running else { return }
        let tasks = try await store.tasks(ofJob: id)
        guard !tasks.contains(where: { $0.state == .queued || $0.state == .leased }) else { return }
        let failed = tasks.filter { $0.state == .failed }
        if !failed.isEmpty {
            let errors = failed.map { "chunk \($0.chunk): \($0.error ?? "unknown error")" }.joined(separator: "; ")
            let message = "\(failed.count) of \(tasks.count) chunks failed after \(configuration.maxAttempts) attempts (\(errors)); the other \(tasks.count - failed.count) chunks' results are kept"
            try await store.setJobState(id, .failed, error: message)
            logger.error("job failed", metadata: ["error": "\(message)"])
            return
        }
        do {
            let (_, spec, path) = try await load(id)
            let outputs = try tasks.sorted { $0.chunk.start < $1.chunk.start }.flatMap { task in
                guard let output = task.output else { throw PlayheadError(.internal, "chunk \(task.chunk) succeeded without an output") }
                return try JSONDecoder().decode([ChunkResult].self, from: Data(output.utf8))
            }
            let rate = spec.frameRate.doubleValue
            let stitcher = Stitcher(frameRate: rate, textSamplesPerSecond: ChunkedAnalysis.samplesPerSecond(.fps(Rational(Int64((spec.options.textFPS * 1000).rounded()), 1000)), frameRate: rate))
            let stitched = try stitcher.stitch(outputs)
            let info = try MediaProbe.probe(path)
            let ids = try factory.modelIDs(for: spec.options)
            var report = AnalysisReport(media: .init(mediaID: job.media, info: info), models: ids)
            report.setResults(faceTracks: stitched.faceTracks, speech: stitched.speech, safety: stitched.safety, text: stitched.text, shots: stitched.shots)
            try await FeatureResults(store: store, modelIDs: ids).record(report, shotScores: stitched.shots?.scores ?? [], media: job.media,
                                                                        options: spec.options, duration: spec.duration)
            try await store.setJobState(id, .succeeded, error: nil)
            logger.info("job done", metadata: ["chunks": "\(tasks.count)", "features": "\(spec.options.features.joined(separator: ","))"])
        } catch let error as StoreError where error.code == .unavailable {
            throw error
        } catch {
            try await store.setJobState(id, .failed, error: "stitching the chunks failed: \(error)")
            logger.error("job failed", metadata: ["error": "\(error)"])
        }
    }

    /// "code: message", the form ``MediaAnalysis/failure(of:tasks:)`` reads back.
    static func describe(_ error: any Error) -> String {
        let error = (error as? any PlayheadErrorConvertible)?.playheadError ?? PlayheadError(.internal, "\(error)")
        return "\(error.code.rawValue): \(error.message)"
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}

/// The store says another worker holds the task now (this one's lease expired): its work is dropped.
struct LeaseLost: Error {
    let error: StoreError
}

/// Frames decoded so far in a chunk, read by the heartbeat.
final class FrameCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// CPU time (user + system) of this process so far.
enum ProcessCPU {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
