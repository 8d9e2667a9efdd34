import Analyzers
import MediaIO
import PlayheadCore
import Serving
import Store

/// How a session computes one feature: the deployment that runs the model, the model version that keys
/// memoized results, and the pixels the model takes.
struct FeatureModel: Sendable {
    enum Kind: Sendable {
        case faces(BlazeFace.Variant)
        /// The deployment's input shape (NCHW, -1 for a free side), which decides the frame format.
        case safety(inputShape: [Int])
    }

    /// The features a session can compute.
    static let supported: [Feature] = [.faces, .safety]

    let feature: Feature
    let deployment: Deployment
    /// `deployment name@version`, as the store keys results.
    let model: ModelVersion
    let kind: Kind
    let inputName: String

    /// The frame conversion the model needs for a source of this size.
    func frameFormat(sourceWidth: Int, sourceHeight: Int) -> FrameFormat {
        switch kind {
        case .faces(let variant): FaceDetector.frameFormat(for: variant)
        case .safety(let inputShape): NudeNet.frameFormat(sourceWidth: sourceWidth, sourceHeight: sourceHeight, inputShape: inputShape)
        }
    }

    /// Finds the deployment serving `feature` and checks it runs a model this feature can use.
    static func resolve(_ feature: Feature, deployment name: String, engine: ServingEngine) async throws(SessionError) -> FeatureModel {
        let deployment: Deployment
        do {
            deployment = try await engine.deployment(named: name)
        } catch {
            throw SessionError(.analysisFailed, "feature '\(feature)' needs deployment '\(name)', which this server does not serve")
        }
        let inputs = await deployment.inputs
        guard let version = await deployment.replicaVersions.first, let input = inputs.first,
              let model = try? ModelVersion(name: name, version: version) else {
            throw SessionError(.analysisFailed, "deployment '\(name)' for feature '\(feature)' has no ready replica")
        }
        let kind: Kind
        switch feature {
        case .faces:
            guard let size = input.shape.dropFirst().first, let variant = BlazeFace.Variant.allCases.first(where: { $0.inputSize == size }) else {
                throw SessionError(.analysisFailed, "deployment '\(name)' is not a BlazeFace model (input \(input.shape))")
            }
            kind = .faces(variant)
        case .safety:
            kind = .safety(inputShape: input.shape)
        default:
            throw SessionError(.invalidRequest, "unknown feature '\(feature)'; available: \(supported.map(\.rawValue).joined(separator: ", "))")
        }
        return FeatureModel(feature: feature, deployment: deployment, model: model, kind: kind, inputName: input.name)
    }

    /// Detections in `frame` (decoded in `frameFormat(sourceWidth:sourceHeight:)`), in source pixels.
    ///
    /// The request carries `priority` and `deadline` to the deployment's batcher, so interactive frames
    /// overtake batch work and a frame whose display time passes in the queue is never computed.
    func analyze(_ frame: VideoFrame, priority: Int, deadline: ContinuousClock.Instant?) async throws -> [FrameDetection] {
        guard let pixels = frame.pixels.floats else {
            throw SessionError(.analysisFailed, "the decoder returned no float pixels for '\(feature)'")
        }
        switch kind {
        case .faces(let variant):
            let size = variant.inputSize
            let response = try await deployment.infer(InferenceRequest(
                inputs: [TensorData(name: inputName, shape: [1, size, size, 3], floats: pixels)], priority: priority, deadline: deadline))
            guard let regressors = response.outputs.first(where: { $0.shape.last == 16 })?.floats(),
                  let scores = response.outputs.first(where: { $0.shape.last == 1 })?.floats() else {
                throw SessionError(.analysisFailed, "deployment '\(deployment.name)' did not return BlazeFace outputs")
            }
            return FaceDetector.faces(regressors: regressors, scores: scores, variant: variant, minScore: 0.5, frame: frame)
                .map { FrameDetection(label: "face", score: $0.score, box: $0.box) }
        case .safety:
            let response = try await deployment.infer(InferenceRequest(
                inputs: [TensorData(name: inputName, shape: [1, 3, frame.height, frame.width], floats: pixels)], priority: priority, deadline: deadline))
            guard let output = response.outputs.first, let values = output.floats() else {
                throw SessionError(.analysisFailed, "deployment '\(deployment.name)' returned no output")
            }
            return try NudeNet.decode(output: values, shape: output.shape, frame: frame)
                .map { FrameDetection(label: $0.label, score: $0.score, box: $0.box) }
        }
    }
}
