import Analyzers
import ArgumentParser
import Foundation
import Inference
import MediaIO
import PlayheadCore

struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse a video or image and write a JSON report.",
        discussion: "Features: faces, speech, safety, text. Models come from the model repository (run `playhead models pull` first)."
    )

    @Argument(help: "A video or an image (JPEG/PNG).") var file: String
    @Option(help: "Comma-separated features to compute.") var features = "faces"
    @Option(name: .customLong("json"), help: "Write the JSON report here (default: print it).") var jsonPath: String?
    @Option(help: "Frames per second to analyse for faces.") var fps: Double = 5
    @Option(help: "Face model: full (small or distant faces) or short (close-ups).") var faceModel = "full"
    @Option(help: "Model repository (default: $PLAYHEAD_MODELS or ./models).") var models: String?

    func validate() throws {
        let known: Set<String> = ["faces", "speech", "safety", "text"]
        let unknown = requested.subtracting(known)
        guard unknown.isEmpty else { throw ValidationError("unknown feature(s): \(unknown.sorted().joined(separator: ", ")); available: faces, speech, safety, text") }
        guard fps > 0, fps <= 240 else { throw ValidationError("--fps must be in (0, 240]") }
        guard ["full", "short"].contains(faceModel) else { throw ValidationError("--face-model must be full or short") }
    }

    var requested: Set<String> { Set(features.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }

    func run() async throws {
        try await reportingErrors {
            let info = try MediaProbe.probe(file)
            if !requested.isDisjoint(with: ["faces", "safety", "text"]), info.video == nil {
                throw PlayheadError(.noVideoStream, "\(file) has no video stream to analyse for faces, safety or text")
            }
            if requested.contains("speech"), info.audio == nil {
                throw PlayheadError(.noAudioStream, "\(file) has no audio stream to find speech in")
            }
            let mediaID = try MediaID(contentsOf: file)
            let repository = ModelRepository(root: models ?? ModelRepository.defaultRoot())
            let core = try InferenceCore()
            var modelIDs: [String: String] = [:]
            var tracks: [FaceTrack]?
            if requested.contains("faces") {
                let detector = try FaceDetector(variant: faceModel == "short" ? .shortRange : .fullRange, repository: repository, core: core)
                modelIDs["faces"] = detector.modelID
                let progress = ProgressLine(label: "faces", total: info.duration ?? info.video?.duration)
                tracks = try await FaceAnalysis(detector: detector, sampling: .fps(Rational(Int64((fps * 1000).rounded()), 1000)))
                    .run(path: file) { progress.update($0.seconds) }
                progress.finish()
            }
            var speech: [SpeechSegment]?
            if requested.contains("speech") {
                let detector = try SpeechDetector(repository: repository, core: core)
                modelIDs["speech"] = detector.modelID
                speech = try await detector.detect(path: file)
            }
            var safety: (segments: [SafetySegment], rating: SafetyRating)?
            if requested.contains("safety") {
                let detector = try SafetyDetector(repository: repository, core: core)
                modelIDs["safety"] = detector.modelID
                safety = try await SafetyAnalysis(detector: detector).run(path: file)
            }
            var text: [TextItem]?
            if requested.contains("text") {
                let reader = try TextReader(repository: repository, core: core)
                modelIDs["text"] = reader.modelID
                let progress = ProgressLine(label: "text", total: info.duration ?? info.video?.duration)
                text = try await TextAnalysis(reader: reader).run(path: file) { progress.update($0.seconds) }
                progress.finish()
            }
            let report = AnalysisReport(mediaID: mediaID, info: info, models: modelIDs, faceTracks: tracks, speech: speech, safety: safety,
                                        text: text)
            let data = try prettyJSON.encode(report) + Data("\n".utf8)
            if let jsonPath {
                try writeAtomically(data, to: jsonPath)
                FileHandle.standardError.write(Data("playhead: wrote \(jsonPath) (\(tracks?.count ?? 0) face track(s))\n".utf8))
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }
}
