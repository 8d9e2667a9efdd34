import Analyzers
import Foundation
import HTTPTypes
import Hummingbird
import MediaIO
import PlayheadCore
import Serving

/// `POST /v1/images/analyze?features=faces,safety`: a JPEG or PNG in, detections out, computed by the
/// same deployments the KServe routes serve (the face model's and NudeNet's).
struct ImageAnalysisRoute {
    /// Which deployments answer each feature.
    struct Deployments: Sendable {
        var faces = "blazeface-full"
        var safety = "nudenet-320n"
    }

    static let features: Set<String> = ["faces", "safety"]
    /// Larger images are refused before decoding (a 50-megapixel RGB frame is already 150 MB).
    static let maxPixels = 50_000_000

    let engine: ServingEngine
    let deployments: Deployments
    let maxBodyBytes: Int

    func register(on router: Hummingbird.Router<PlayheadRequestContext>) {
        router.post("/v1/images/analyze") { request, context in try await analyze(request, context) }
    }

    private func analyze(_ request: Request, _ context: PlayheadRequestContext) async throws -> Response {
        let requested = Set((request.uri.queryParameters.get("features") ?? "faces").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let unknown = requested.subtracting(Self.features)
        guard unknown.isEmpty, !requested.isEmpty else {
            throw ServingError(.invalidInput, "unknown feature(s) \(unknown.sorted().joined(separator: ", ")); available: faces, safety")
        }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        guard body.readableBytes > 0 else { throw ServingError(.invalidInput, "the body is empty; send the JPEG or PNG bytes") }
        // FFmpeg reads from a path; the file lives only for this request.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("playhead-image-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(copying: body)) else {
            throw ServingError(.internal, "cannot write a temporary file for the image")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let info = try MediaProbe.probe(file.path)
        guard let video = info.video else { throw ServingError(.invalidInput, "the body is not an image (no picture found)") }
        guard video.width * video.height <= Self.maxPixels else {
            throw ServingError(.invalidInput, "the image is \(video.width)x\(video.height); at most \(Self.maxPixels / 1_000_000) megapixels are accepted")
        }
        let found = try await context.cancellingOnDisconnect {
            (faces: requested.contains("faces") ? try await faces(in: file.path) : nil,
             safety: requested.contains("safety") ? try await safety(of: file.path) : nil)
        }
        var result: [String: Any] = ["width": video.width, "height": video.height]
        if let faces = found.faces {
            result["faces"] = faces.map { ["score": $0.score, "box": Self.json($0.box)] as [String: Any] }
        }
        if let detections = found.safety {
            result["safety"] = [
                "explicit": detections.contains { NudeNet.explicitLabels.contains($0.label) },
                "detections": detections.map { ["label": $0.label, "score": $0.score, "box": Self.json($0.box)] as [String: Any] },
            ]
        }
        return KServeJSON.response(result)
    }

    /// The image's pixels in `format` (float layouts only).
    private func firstFrame(_ path: String, _ format: FrameFormat) async throws -> (frame: VideoFrame, pixels: [Float]) {
        for try await frame in VideoFrames(path: path, format: format) {
            guard let pixels = frame.pixels.floats else { throw ServingError(.internal, "the decoder returned no float pixels") }
            return (frame, pixels)
        }
        throw ServingError(.invalidInput, "the image has no decodable picture")
    }

    private func faces(in path: String) async throws -> [Face] {
        let deployment = try await engine.deployment(named: deployments.faces)
        let inputs = await deployment.inputs
        guard let size = inputs.first?.shape.dropFirst().first,
              let variant = BlazeFace.Variant.allCases.first(where: { $0.inputSize == size }) else {
            throw ServingError(.unavailable, "deployment '\(deployments.faces)' is not a BlazeFace model (input \(inputs.first?.shape ?? []))")
        }
        let (frame, pixels) = try await firstFrame(path, FaceDetector.frameFormat(for: variant))
        let response = try await deployment.infer(InferenceRequest(inputs: [
            TensorData(name: inputs[0].name, shape: [1, size, size, 3], floats: pixels),
        ]))
        guard let regressors = response.outputs.first(where: { $0.shape.last == 16 })?.floats(),
              let scores = response.outputs.first(where: { $0.shape.last == 1 })?.floats() else {
            throw ServingError(.inferenceFailed, "deployment '\(deployments.faces)' did not return BlazeFace outputs")
        }
        return FaceDetector.faces(regressors: regressors, scores: scores, variant: variant, minScore: 0.5, frame: frame)
    }

    private func safety(of path: String) async throws -> [NudeNet.Detection] {
        let deployment = try await engine.deployment(named: deployments.safety)
        let (frame, pixels) = try await firstFrame(path, NudeNet.frameFormat)
        let name = await deployment.inputs.first?.name ?? "images"
        let response = try await deployment.infer(InferenceRequest(inputs: [
            TensorData(name: name, shape: [1, 3, NudeNet.inputSize, NudeNet.inputSize], floats: pixels),
        ]))
        guard let output = response.outputs.first, let values = output.floats() else {
            throw ServingError(.inferenceFailed, "deployment '\(deployments.safety)' returned no output")
        }
        return try NudeNet.decode(output: values, shape: output.shape, frame: frame)
    }

    private static func json(_ box: BoundingBox) -> [String: Double] {
        ["x": box.x, "y": box.y, "width": box.width, "height": box.height]
    }
}
