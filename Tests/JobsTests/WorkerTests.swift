import Analyzers
import Foundation
import Inference
import Jobs
import PlayheadCore
import Serving
import Store
import TestSupport
import Testing

/// Jobs through the store: workers leasing chunks, memoized re-analysis, failures that keep the rest,
/// and worker processes killed mid-chunk on PostgreSQL.
@Suite(.serialized, .postgresServer) struct WorkerTests {
    static let options = try! AnalysisOptions(features: ["shots", "faces"], chunkSeconds: 3)
    static let fast = Worker.Configuration(leaseDuration: .seconds(10), heartbeat: .milliseconds(200), maxAttempts: 2,
                                           retryBackoff: .milliseconds(10), pollInterval: .milliseconds(20))

    /// Runs `body` with a `MediaAnalysis` on `url`'s store and an in-process serving engine.
    func withAnalysis<T: Sendable>(_ url: StoreURL, _ body: @Sendable (MediaAnalysis) async throws -> T) async throws -> T {
        try await url.withStore { store in
            try await ServingEngine().serving { engine in
                try await body(MediaAnalysis(store: store, factory: AnalyzerFactory(engine: engine, repository: ChunkedAnalysisTests.repository)))
            }
        }
    }

    func scratchStore() throws -> StoreURL {
        .sqlite(path: try TestMedia.scratchDirectory().appendingPathComponent("store.db").path)
    }

    /// Every annotation of the job's features, in the store's order.
    func annotations(_ analysis: MediaAnalysis, media: MediaID, info: MediaInfoFacts) async throws -> [Annotation] {
        let results = FeatureResults(store: analysis.store, modelIDs: try analysis.factory.modelIDs(for: Self.options))
        var all: [Annotation] = []
        for feature in Self.options.features {
            all += try await analysis.store.annotations(for: results.key(media: media, feature: feature, options: Self.options, duration: info.duration))
        }
        return all
    }

    struct MediaInfoFacts: Sendable { let duration: Double }

    @Test func aChunkedJobOnTwoWorkersIsTheWholeFileResultAndIsNotComputedTwice() async throws {
        let path = try ChunkedAnalysisTests.seamsClip()
        let whole = try await withAnalysis(try scratchStore()) { analysis in
            let media = try await analysis.catalog(path: path).media
            let submission = try await analysis.submit(media: media, options: try AnalysisOptions(features: ["shots", "faces"]))
            let job = try #require(submission.job)
            #expect(try await analysis.run(job: job.id, workers: 1, worker: Self.fast).state == .succeeded)
            return try await analysis.report(submission).report
        }
        try await withAnalysis(try scratchStore()) { analysis in
            let media = try await analysis.catalog(path: path).media
            let submission = try await analysis.submit(media: media, options: Self.options)
            let job = try #require(submission.job)
            #expect(submission.computing == ["shots", "faces"] && submission.reused.isEmpty)
            #expect(try await analysis.store.tasks(ofJob: job.id).count == 4)
            let done = try await analysis.run(job: job.id, workers: 2, worker: Self.fast)
            #expect(done.state == .succeeded, "\(done.error ?? "")")
            let tasks = try await analysis.store.tasks(ofJob: job.id)
            #expect(tasks.allSatisfy { $0.state == .succeeded && $0.output != nil && $0.wallSeconds > 0 })
            let report = try await analysis.report(submission).report
            #expect(report.shots?.count == 5 && report.faces?.isEmpty == false)
            #expect(report == whole, "four chunks stitched give the whole-file report")

            // Asking again computes nothing; finishing the job again (a second finisher) duplicates nothing.
            let again = try await analysis.submit(media: media, options: Self.options)
            #expect(again.job == nil && again.computing.isEmpty && again.reused == ["shots", "faces"])
            let before = try await annotations(analysis, media: media, info: .init(duration: FeatureResults.duration(of: submission.info)))
            try await analysis.store.setJobState(job.id, .running, error: nil)
            try await Worker(store: analysis.store, factory: analysis.factory).finishIfDone(job: job.id)
            let after = try await annotations(analysis, media: media, info: .init(duration: FeatureResults.duration(of: submission.info)))
            #expect(after == before && !after.isEmpty)

            // New parameters for one feature recompute that feature only.
            let slower = try AnalysisOptions(features: ["shots", "faces"], faceFPS: 2, chunkSeconds: 3)
            let changed = try await analysis.submit(media: media, options: slower)
            #expect(changed.computing == ["faces"] && changed.reused == ["shots"])
        }
    }

    /// A task taken over after its worker died resumes at its first unsaved segment: the saved segments are
    /// not computed again (the checkpoint's marked frame count comes through to the output) and the result
    /// is the same as an uninterrupted run.
    @Test func aTakenOverTaskResumesFromItsCheckpoint() async throws {
        let path = try ChunkedAnalysisTests.seamsClip()
        let options = try AnalysisOptions(features: ["shots", "faces"])
        let uninterrupted = try await withAnalysis(try scratchStore()) { analysis in
            let media = try await analysis.catalog(path: path).media
            let submission = try await analysis.submit(media: media, options: options)
            #expect(try await analysis.run(job: try #require(submission.job).id, workers: 1, worker: Self.fast).state == .succeeded)
            return try await analysis.report(submission).report
        }
        try await withAnalysis(try scratchStore()) { base in
            let analysis = MediaAnalysis(store: base.store, factory: base.factory, checkpointSeconds: 3)
            let media = try await analysis.catalog(path: path).media
            let submission = try await analysis.submit(media: media, options: options)
            let job = try #require(submission.job)
            let spec = try JSONDecoder().decode(JobSpec.self, from: Data(try #require(try await analysis.store.job(job.id)?.parameters).utf8))
            #expect(spec.segments.count == 4 && spec.tasks == [0..<4], "one task of four 3 s segments")

            // A worker that saved its first two segments and died.
            let dead = try #require(try await analysis.store.leaseNextTask(owner: "dead", leaseDuration: .milliseconds(1)))
            let chunked = ChunkedAnalysis(analysis: try await analysis.factory.videoAnalysis(options, frameRate: 25), planner: try JobPlanner(), workers: 1)
            var saved = [try await chunked.analyse(path: path, chunk: spec.segments[0]), try await chunked.analyse(path: path, chunk: spec.segments[1])]
            saved[1].framesDecoded = 999_999
            try await analysis.store.renewLease(task: dead.id, owner: "dead", leaseDuration: .milliseconds(1), framesDone: 150,
                                               checkpoint: String(decoding: try JSONEncoder().encode(saved), as: UTF8.self))

            let done = try await analysis.run(job: job.id, workers: 1, worker: Self.fast)
            #expect(done.state == .succeeded, "\(done.error ?? "")")
            let task = try #require(try await analysis.store.tasks(ofJob: job.id).first)
            let output = try JSONDecoder().decode([ChunkResult].self, from: Data(try #require(task.output).utf8))
            #expect(task.attempts == 2 && output.count == 4)
            #expect(output[1].framesDecoded == 999_999, "the saved segment was kept, not computed again")
            #expect(try await analysis.report(submission).report == uninterrupted)
        }
    }

    /// A 12 s clip whose bytes around 3.4 s are overwritten: the chunk holding them ([3, 6) s) fails on
    /// every attempt; the next chunk, which decodes from the keyframe at 4 s for its overlap, does not reach them.
    static func damagedClip() throws -> String {
        let source = try TestMedia.fixture("damaged_source_12s.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "12", "-c:v", "libx264", "-preset", "veryfast",
            "-g", "10", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
        ])
        return try TestMedia.fixture("damaged_at_3s_12s.mp4") { output in
            var bytes = try Data(contentsOf: URL(fileURLWithPath: source))
            let damaged = bytes.count * 34 / 120
            bytes.replaceSubrange(damaged..<(damaged + 1500), with: Data(repeating: 0xFF, count: 1500))
            try bytes.write(to: output)
        }
    }

    @Test func aDamagedChunkFailsAfterItsRetriesAndTheOtherChunksAreKept() async throws {
        let path = try Self.damagedClip()
        try await withAnalysis(try scratchStore()) { analysis in
            let media = try await analysis.catalog(path: path).media
            let submission = try await analysis.submit(media: media, options: try AnalysisOptions(features: ["shots"], chunkSeconds: 3))
            let job = try #require(submission.job)
            let done = try await analysis.run(job: job.id, workers: 2, worker: Self.fast)
            #expect(done.state == .failed)
            let tasks = try await analysis.store.tasks(ofJob: job.id)
            let failed = tasks.filter { $0.state == .failed }
            #expect(failed.count == 1 && failed.first?.attempts == 2, "\(tasks.map { ($0.chunk, $0.state, $0.attempts) })")
            #expect(failed.first?.error?.hasPrefix("corrupt_media: ") == true, "\(failed.first?.error ?? "")")
            #expect(tasks.filter { $0.state == .succeeded && $0.output != nil }.count == tasks.count - 1, "the other chunks' results are kept")
            #expect(done.error?.contains("1 of \(tasks.count) chunks failed") == true, "\(done.error ?? "")")
            let error = MediaAnalysis.failure(of: done, tasks: tasks)
            #expect(error.code == .corruptMedia && error.message.contains("damaged"))
        }
    }

    /// Three `playhead worker` processes share a job on PostgreSQL; one is killed with SIGKILL while it
    /// holds a chunk. Its lease runs out, another worker takes the chunk over, and the job's annotations
    /// equal those of a single in-process run: nothing lost, nothing duplicated.
    @Test func threeWorkerProcessesSurviveOneKilledMidChunk() async throws {
        let path = try ChunkedAnalysisTests.seamsClip()
        let server = try #require(SharedPostgresServer.current)
        let url = try await server.get().createDatabase()
        let (media, job, duration) = try await withAnalysis(try StoreURL(url)) { analysis in
            let cataloged = try await analysis.catalog(path: path)
            let (media, info) = (cataloged.media, cataloged.info)
            let job = try #require(try await analysis.submit(media: media, options: Self.options).job)
            return (media, job.id, FeatureResults.duration(of: info))
        }
        let workers = try (0..<3).map { index in
            try WorkerProcess(store: url, name: "w\(index)")
        }
        defer { for worker in workers { worker.kill(SIGKILL) } }

        let killed = try await withAnalysis(try StoreURL(url)) { analysis in
            // Kill w0 as soon as it holds a chunk: a leased task is one in the middle of being computed.
            let victim = try await waitFor("w0 leasing a chunk", timeout: .seconds(120)) {
                try await analysis.store.tasks(ofJob: job).first { $0.state == .leased && $0.leaseOwner == "w0" }
            }
            workers[0].kill(SIGKILL)
            let done = try await waitFor("the job ending", timeout: .seconds(180)) { () async throws -> Job? in
                let state = try await analysis.store.job(job)
                return state?.state == .succeeded || state?.state == .failed ? state : nil
            }
            #expect(done.state == .succeeded, "\(done.error ?? "")")
            let tasks = try await analysis.store.tasks(ofJob: job)
            let takenOver = try #require(tasks.first { $0.id == victim.id })
            #expect(takenOver.state == .succeeded && takenOver.attempts == 2 && takenOver.leaseOwner == nil, "\(takenOver)")
            return try await annotations(analysis, media: media, info: .init(duration: duration))
        }
        for worker in workers.dropFirst() {
            worker.kill(SIGTERM)
            #expect(try await worker.exitStatus() == 0, "a worker exits 0 on SIGTERM: \(worker.log())")
        }

        let reference = try await withAnalysis(try scratchStore()) { analysis in
            let cataloged = try await analysis.catalog(path: path)
            let (media, info) = (cataloged.media, cataloged.info)
            let job = try #require(try await analysis.submit(media: media, options: Self.options).job)
            #expect(try await analysis.run(job: job.id, workers: 1, worker: Self.fast).state == .succeeded)
            return try await annotations(analysis, media: media, info: .init(duration: FeatureResults.duration(of: info)))
        }
        #expect(!killed.isEmpty)
        #expect(killed == reference)
    }
}

/// A `playhead worker` child process with its output in a log file.
final class WorkerProcess: Sendable {
    static let binary: String = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("playhead")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests.path }
        return TestMedia.packageRoot.appendingPathComponent(".build/debug/playhead").path
    }()

    private let process: Process
    private let logURL: URL

    init(store: String, name: String) throws {
        logURL = try TestMedia.scratchDirectory().appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["worker", "--store", store, "--name", name, "--lease-seconds", "2", "--heartbeat-seconds", "0.3",
                             "--models", TestMedia.packageRoot.appendingPathComponent("models").path]
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    func kill(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    func exitStatus() async throws -> Int32 {
        try await waitFor("the worker exiting") { self.process.isRunning ? nil : self.process.terminationStatus }
    }

    func log() -> String {
        String((try? String(contentsOf: logURL, encoding: .utf8))?.suffix(2000) ?? "")
    }
}
