import Analyzers
import ArgumentParser
import Foundation
import Inference
import Jobs
import MediaIO
import PlayheadCore

struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse a video or image and write a JSON (and HTML) report.",
        discussion: """
            Features: \(Self.known.joined(separator: ", ")). The video is decoded once and every frame fanned out to the \
            analyzers that want it. Models come from the model repository (run `playhead models pull` first).
            """
    )

    static let known = ["shots", "faces", "text", "safety", "speech"]

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
    @Option(help: "Chunks analysed at once with --chunk-seconds.") var workers = 2

    func validate() throws {
        let unknown = requested.subtracting(Self.known)
        guard unknown.isEmpty else {
            throw ValidationError("unknown feature(s): \(unknown.sorted().joined(separator: ", ")); available: \(Self.known.joined(separator: ", "))")
        }
        for (name, value) in [("--fps", fps), ("--text-fps", textFPS), ("--safety-fps", safetyFPS)] {
            guard value > 0, value <= 240 else { throw ValidationError("\(name) must be in (0, 240]") }
        }
        guard ["full", "short"].contains(faceModel) else { throw ValidationError("--face-model must be full or short") }
        guard chunkSeconds >= 0, chunkSeconds.isFinite else { throw ValidationError("--chunk-seconds must be 0 or more") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    var requested: Set<String> { Set(features.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }

    func run() async throws {
        try await reportingErrors {
            let info = try MediaProbe.probe(file)
            let wantsVideo = requested.subtracting(["speech"])
            if !wantsVideo.isEmpty, info.video == nil {
                throw PlayheadError(.noVideoStream, "\(file) has no video stream to analyse for \(wantsVideo.sorted().joined(separator: ", "))")
            }
            let mediaID = try MediaID(contentsOf: file)
            let repository = ModelRepository(root: models ?? ModelRepository.defaultRoot())
            var modelIDs: [String: String] = [:]
            var notes: [String] = []

            var speechDetector: SpeechDetector?
            if requested.contains("speech") {
                if info.audio == nil {
                    notes.append("speech: the file has no audio stream, so no speech was looked for")
                } else {
                    let detector = try SpeechDetector(repository: repository, core: try AnalysisEngine.core())
                    modelIDs["speech"] = detector.modelID
                    speechDetector = detector
                }
            }

            // Audio and video are decoded side by side; each decode runs on its own thread.
            async let speechResult = speechDetector?.detect(path: file)
            let (faceModel, safetyFPS, textFPS, fps, path) = (faceModel, safetyFPS, textFPS, fps, file)
            let (chunkSeconds, workers) = (chunkSeconds, workers)
            let requested = requested
            let frameRate = info.video?.frameRate.doubleValue ?? 25
            let progress = wantsVideo.isEmpty ? nil : ProgressLine(label: "analyze", total: info.video?.duration ?? info.duration)
            let (videoResult, videoModels) = try await AnalysisEngine(repository: repository).serving { serving in
                var video = VideoAnalysis()
                var models: [String: String] = [:]
                if requested.contains("shots") { video.shots = ShotDetector(frameRate: frameRate) }
                if requested.contains("faces") {
                    let variant: BlazeFace.Variant = faceModel == "short" ? .shortRange : .fullRange
                    let model = try await serving.runner(for: variant.modelName)
                    models["faces"] = model.id
                    video.faces = .init(FaceDetector(variant: variant, runner: model.runner, modelID: model.id), fps: fps)
                }
                if requested.contains("text") {
                    let (detector, recognizer) = try TextReader.manifests(repository)
                    let detect = try await serving.runner(for: detector.name, shape: ("x", TextReader.detectorShape))
                    let recognize = try await serving.runner(for: recognizer.name, shape: ("x", TextReader.recognizerShape))
                    let modelID = TextReader.modelID(detector, recognizer)
                    models["text"] = modelID
                    video.text = .init(try TextReader(detector: detect.runner, recognizer: recognize.runner, labels: recognizer.labels, modelID: modelID),
                                       fps: textFPS)
                }
                if requested.contains("safety") {
                    let size = NudeNet.inputSize
                    let model = try await serving.runner(for: "nudenet-320n", shape: ("images", [-1, 3, size, size]), maxBatch: 4)
                    models["safety"] = model.id
                    video.safety = .init(SafetyDetector(runner: model.runner, modelID: model.id), fps: safetyFPS)
                }
                guard chunkSeconds > 0 else {
                    let found = try await video.run(path: path) { progress?.update($0.seconds) }
                    return (StitchedResult(shots: found.shots, faceTracks: found.faceTracks, text: found.text, safety: found.safety,
                                           framesDecoded: found.framesDecoded), models)
                }
                // The same planner and stitcher as the server's jobs, so both give the same result.
                let chunked = ChunkedAnalysis(analysis: video, planner: try JobPlanner(targetSeconds: chunkSeconds), workers: workers)
                let duration = info.video?.duration ?? info.duration ?? 0
                let found = try await chunked.run(path: path) { done, total in progress?.update(duration * Double(done) / Double(total)) }
                return (found, models)
            }
            modelIDs.merge(videoModels) { $1 }
            let speech = try await speechResult ?? (requested.contains("speech") ? [] : nil)
            progress?.finish()

            let report = AnalysisReport(mediaID: mediaID, info: info, models: modelIDs, faceTracks: videoResult.faceTracks,
                                        speech: speech, safety: videoResult.safety, text: videoResult.text, shots: videoResult.shots, notes: notes)
            let data = try prettyJSON.encode(report) + Data("\n".utf8)
            if let htmlPath {
                try writeAtomically(Data(try await htmlReport(report, shots: videoResult.shots, info: info).render().utf8), to: htmlPath)
            }
            if let jsonPath {
                try writeAtomically(data, to: jsonPath)
                let written = [jsonPath, htmlPath].compactMap { $0 }.joined(separator: " and ")
                FileHandle.standardError.write(Data("playhead: wrote \(written)\n".utf8))
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }

    /// The HTML report: a still from the middle of each shot (or a dozen evenly spaced without shots).
    private func htmlReport(_ report: AnalysisReport, shots: ShotResult?, info: MediaInfo) async throws -> HTMLReport {
        guard info.video != nil else { return HTMLReport(report: report) }
        let times: [Double]
        if let shots = report.shots {
            times = shots.map { ($0.start + $0.end) / 2 }
        } else {
            let duration = info.video?.duration ?? info.duration ?? 0
            times = (0..<12).map { duration * (Double($0) + 0.5) / 12 }
        }
        return HTMLReport(report: report, thumbnails: try await Thumbnails.make(path: file, times: times), shotScores: shots?.scores ?? [])
    }
}
