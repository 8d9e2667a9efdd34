import Analyzers
import Foundation
import Logging
import MediaIO
import PlayheadCore
import Store

/// The front door of batch analysis, shared by `playhead analyze` and the server's jobs API: catalog a
/// file, ask the store which requested features it already holds, queue a job for the others, and read
/// the report back from the store once they are computed.
public struct MediaAnalysis: Sendable {
    public let store: any Store
    public let factory: AnalyzerFactory
    /// Longest stretch of a task computed between checkpoints (see ``JobSpec``).
    public let checkpointSeconds: Double

    public init(store: any Store, factory: AnalyzerFactory, checkpointSeconds: Double = 60) {
        self.store = store
        self.factory = factory
        self.checkpointSeconds = checkpointSeconds
    }

    /// A file in the catalog.
    public struct Cataloged: Sendable {
        public var media: MediaID
        public var info: MediaInfo
        /// False when the same content was cataloged before (its location is updated).
        public var isNew: Bool
    }

    /// Adds `path` to the catalog under its content hash, with its probe facts and its absolute path (workers
    /// elsewhere open it from there).
    ///
    /// - Throws: `.unsupportedFormat`, `.corruptMedia` and the like when the file is not readable media.
    /// `media` skips hashing when the caller hashed the bytes on their way in (an upload).
    public func catalog(path given: String, media known: MediaID? = nil) async throws -> Cataloged {
        let path = URL(fileURLWithPath: given).standardizedFileURL.path
        let info = try MediaProbe.probe(path)
        let media = try known ?? MediaID(contentsOf: path)
        let isNew = try await store.media(media) == nil
        try await store.upsertMedia(MediaRecord(id: media, location: path, probe: ProbeFacts(
            durationSeconds: info.duration ?? info.video?.duration, framesPerSecond: info.video?.frameRate.doubleValue,
            frameCount: info.video.map { Int($0.frameCount) }, width: info.video?.displayWidth, height: info.video?.displayHeight)))
        return Cataloged(media: media, info: info, isNew: isNew)
    }

    /// Queues, for each registered pipeline, a job computing its features of `media` (those the store lacks).
    ///
    /// A pipeline whose parameters no longer parse, or whose features do not apply to the media (video
    /// features of an audio file), is skipped and reported in `skipped`; the others still run.
    public func runPipelines(for media: MediaID) async throws -> (submitted: [(pipeline: String, submission: Submission)], skipped: [String: String]) {
        var submitted: [(String, Submission)] = []
        var skipped: [String: String] = [:]
        for pipeline in try await store.pipelines() {
            do {
                let options = try JSONDecoder().decode(AnalysisOptions.self, from: Data(pipeline.parameters.utf8))
                submitted.append((pipeline.name, try await submit(media: media, options: options)))
            } catch let error as StoreError where error.code == .unavailable {
                throw error
            } catch {
                skipped[pipeline.name] = Worker.describe(error)
            }
        }
        return (submitted, skipped)
    }

    /// What a request turned into.
    public struct Submission: Sendable {
        public var media: MediaID
        public var info: MediaInfo
        /// The options actually served (speech is dropped for a file without audio, with a note).
        public var options: AnalysisOptions
        /// Features found in the store: nothing to compute.
        public var reused: [String]
        /// Features queued for computing, and the job computing them (nil when everything was reused).
        public var computing: [String]
        public var job: Job?
        public var notes: [String]
    }

    /// Looks every requested feature of a cataloged media up and queues a job for those the store lacks.
    ///
    /// - Throws: `not_found` for media not in the catalog, `.noVideoStream` for video features of an audio file.
    public func submit(media: MediaID, options requested: AnalysisOptions) async throws -> Submission {
        guard let record = try await store.media(media) else {
            throw StoreError(.notFound, "media \(media) is not in the catalog; upload it first (POST /v1/media)")
        }
        let info = try MediaProbe.probe(record.location)
        var options = requested
        var notes: [String] = []
        if options.features.contains("speech"), info.audio == nil {
            notes.append("speech: the file has no audio stream, so no speech was looked for")
            let others = options.features.filter { $0 != "speech" }
            guard !others.isEmpty else {
                return Submission(media: media, info: info, options: options, reused: [], computing: [], job: nil, notes: notes)
            }
            options = try options.restricted(to: others)
        }
        if !options.videoFeatures.isEmpty, info.video == nil {
            throw PlayheadError(.noVideoStream, "\(record.location) has no video stream to analyse for \(options.videoFeatures.joined(separator: ", "))")
        }
        let duration = FeatureResults.duration(of: info)
        let results = FeatureResults(store: store, modelIDs: try factory.modelIDs(for: options))
        let missing = try await results.missing(media: media, options: options, duration: duration)
        let reused = options.features.filter { !missing.contains($0) }
        guard !missing.isEmpty else {
            return Submission(media: media, info: info, options: options, reused: reused, computing: [], job: nil, notes: notes)
        }
        let spec = try await JobSpec.plan(path: record.location, info: info, options: try options.restricted(to: missing),
                                          checkpointSeconds: checkpointSeconds)
        let job = try await store.createJob(media: media, features: missing.map { Feature($0) }, chunks: try spec.taskRanges(),
                                            parameters: try Worker.json(spec))
        return Submission(media: media, info: info, options: options, reused: reused, computing: missing, job: job, notes: notes)
    }

    /// Runs `job`'s chunks on `workers` in-process workers until it succeeds or fails; `progress` gets the
    /// frames decoded so far (as saved by the heartbeats) about twice a second.
    public func run(job: UUID, workers: Int, worker configuration: Worker.Configuration = .init(), logger: Logger = Logger(label: "playhead.worker"),
                    progress: @escaping @Sendable (_ framesDone: Int) -> Void = { _ in }) async throws -> Job {
        let worker = Worker(store: store, factory: factory, name: "\(Worker.defaultName())/analyze", configuration: configuration, logger: logger)
        let store = store
        let finished: @Sendable () async -> Bool = {
            let state = (try? await store.job(job))?.state
            return state != .queued && state != .running
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    if let tasks = try? await store.tasks(ofJob: job) { progress(tasks.reduce(0) { $0 + $1.framesDone }) }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            // The reporter stops with the worker, not at its next poll: a short file's whole analysis can take less.
            defer { group.cancelAll() }
            try await worker.run(concurrency: workers, job: job, stop: finished)
        }
        guard let done = try await store.job(job) else { throw StoreError(.notFound, "job \(job) disappeared from the store") }
        return done
    }

    /// A failed job as one error: the first failed chunk's code and message, with the job's summary.
    public static func failure(of job: Job, tasks: [JobTask]) -> PlayheadError {
        let failed = tasks.filter { $0.state == .failed }
        guard let first = failed.first?.error else { return PlayheadError(.internal, job.error ?? "job \(job.id) failed") }
        let parts = first.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let code = parts.count == 2 ? PlayheadError.Code(rawValue: parts[0]) : nil
        var message = code == nil ? first : parts[1]
        if tasks.count > 1 {
            message += " (\(failed.count) of \(tasks.count) chunks failed; the other chunks' results are kept)"
        }
        return PlayheadError(code ?? .internal, message)
    }

    /// The report of `submission`'s features, read from the store.
    public func report(_ submission: Submission) async throws -> (report: AnalysisReport, shotScores: [Float]) {
        var ids = try factory.modelIDs(for: submission.options)
        let silent = submission.notes.contains { $0.hasPrefix("speech:") }
        if silent { ids["speech"] = nil }
        var report = AnalysisReport(media: .init(mediaID: submission.media, info: submission.info), models: ids, notes: submission.notes)
        // Speech asked of a silent file and nothing else: no feature to read.
        let nothingRun = submission.reused.isEmpty && submission.computing.isEmpty
        let scores = nothingRun ? [] : try await FeatureResults(store: store, modelIDs: ids).read(
            into: &report, media: submission.media, options: submission.options, duration: FeatureResults.duration(of: submission.info))
        if silent { report.speech = [] }
        return (report, scores)
    }
}
