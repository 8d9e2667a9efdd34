import Analyzers
import ArgumentParser
import Foundation
import Inference
import Jobs
import Logging
import MediaIO
import PlayheadCore
import Serving
import Store

struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse a video or image and write a JSON (and HTML) report.",
        discussion: """
            Features: \(AnalysisOptions.knownFeatures.joined(separator: ", ")). The video is decoded once and every frame fanned out to the \
            analyzers that want it. Results are kept in the feature store: analysing the same file again with the same \
            models and parameters reads them back instead of computing them. Models come from the model repository (run `playhead models pull` first).
            """
    )

    @Argument(help: "A video or an image (JPEG/PNG).") var file: String
    @Option(help: "Comma-separated features to compute.") var features = "faces"
    @Option(name: .customLong("json"), help: "Write the JSON report here (default: print it).") var jsonPath: String?
    @Option(name: .customLong("html"), help: "Also write a self-contained HTML report here.") var htmlPath: String?
    @Option(help: "Frames per second to analyse for faces.") var fps: Double = 5
    @Option(help: "Frames per second to read on-screen text in.") var textFPS: Double = 1
    @Option(help: "Frames per second to analyse for brand safety.") var safetyFPS: Double = 2
    @Option(help: "Face model: full (small or distant faces) or short (close-ups).") var faceModel = "full"
    @Option(help: "Model repository (default: $PLAYHEAD_MODELS or ./models).") var models: String?
    @Option(help: "Analyse the video in chunks of about this many seconds, cut at keyframes and stitched into the whole-file result (0: in one piece).")
    var chunkSeconds: Double = 0
    @Option(help: "Chunks analysed at once.") var workers = 2
    @Option(help: "The feature store: a SQLite path, sqlite:///path or postgres://user@host:port/db (default: $PLAYHEAD_DATA/playhead.db, else ./data/playhead.db). Features already in it are not computed again.")
    var store: String?

    func validate() throws {
        guard ["full", "short"].contains(faceModel) else { throw ValidationError("--face-model must be full or short") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        do { _ = try options() } catch { throw ValidationError(error.message) }
    }

    func options() throws(PlayheadError) -> AnalysisOptions {
        try AnalysisOptions(features: features.split(separator: ",").map(String.init), faceFPS: fps, textFPS: textFPS, safetyFPS: safetyFPS,
                            faceModel: faceModel == "short" ? .shortRange : .fullRange, chunkSeconds: chunkSeconds)
    }

    func run() async throws {
        try await reportingErrors {
            let url = try store.map { text throws(StoreError) in try StoreURL(text) } ?? StoreURL.defaultURL()
            let options = try options()
            let repository = ModelRepository(root: models ?? ModelRepository.defaultRoot())
            let (path, workers) = (file, workers)
            let (report, scores, info) = try await url.withStore { store in
                // The same serving engine `playhead serve` runs (one deployment per model); routine start-ups stay quiet.
                try await ServingEngine(logger: Self.quietLogger).serving { engine in
                    let analysis = MediaAnalysis(store: store, factory: AnalyzerFactory(engine: engine, repository: repository))
                    let media = try await analysis.catalog(path: path).media
                    let submission = try await analysis.submit(media: media, options: options)
                    if let job = submission.job {
                        let frameRate = submission.info.video?.frameRate.doubleValue ?? 25
                        let progress = submission.info.video == nil ? nil : ProgressLine(label: "analyze", total: submission.info.video?.duration ?? submission.info.duration)
                        let started = ContinuousClock.now
                        let done = try await analysis.run(job: job.id, workers: workers, worker: .init(retryBackoff: .milliseconds(200)),
                                                           logger: Self.silentLogger) {
                            progress?.update(Double($0) / frameRate)
                        }
                        progress?.finish()
                        let tasks = try await store.tasks(ofJob: job.id)
                        guard done.state == .succeeded else { throw MediaAnalysis.failure(of: done, tasks: tasks) }
                        let frames = tasks.reduce(0) { $0 + $1.framesDone }
                        let cpu = tasks.reduce(0) { $0 + $1.cpuSeconds }
                        let wall = (ContinuousClock.now - started) / .seconds(1)
                        Self.say("computed \(submission.computing.joined(separator: ", ")) in \(tasks.count) chunk(s): \(frames) frames decoded in \(String(format: "%.2f", wall)) s, \(String(format: "%.1f", cpu)) CPU-s")
                    }
                    if !submission.reused.isEmpty {
                        Self.say("from the store (\(url)): \(submission.reused.joined(separator: ", ")); nothing computed for them")
                    }
                    let (report, scores) = try await analysis.report(submission)
                    return (report, scores, submission.info)
                }
            }
            let data = try prettyJSON.encode(report) + Data("\n".utf8)
            if let htmlPath {
                try writeAtomically(Data(try await htmlReport(report, shotScores: scores, info: info).render().utf8), to: htmlPath)
            }
            if let jsonPath {
                try writeAtomically(data, to: jsonPath)
                let written = [jsonPath, htmlPath].compactMap { $0 }.joined(separator: " and ")
                Self.say("wrote \(written)")
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }

    private static func say(_ line: String) {
        FileHandle.standardError.write(Data("playhead: \(line)\n".utf8))
    }

    private static let quietLogger = {
        var logger = Logger(label: "playhead.analyze")
        logger.logLevel = .warning
        return logger
    }()

    /// The in-process workers' failures reach the user as the command's one error line.
    private static let silentLogger = {
        var logger = Logger(label: "playhead.analyze")
        logger.logLevel = .critical
        return logger
    }()


    /// The HTML report: a still from the middle of each shot (or a dozen evenly spaced without shots).
    private func htmlReport(_ report: AnalysisReport, shotScores: [Float], info: MediaInfo) async throws -> HTMLReport {
        guard info.video != nil else { return HTMLReport(report: report) }
        let times: [Double]
        if let shots = report.shots {
            times = shots.map { ($0.start + $0.end) / 2 }
        } else {
            let duration = info.video?.duration ?? info.duration ?? 0
            times = (0..<12).map { duration * (Double($0) + 0.5) / 12 }
        }
        return HTMLReport(report: report, thumbnails: try await Thumbnails.make(path: file, times: times), shotScores: shotScores)
    }
}
