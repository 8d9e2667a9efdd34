import Inference
import MediaIO
import PlayheadCore

/// A face found in one frame, in source-frame pixels.
public struct Face: Sendable, Equatable, Codable {
    public var box: BoundingBox
    public var score: Double
    /// Right eye, left eye, nose tip, mouth, right ear, left ear.
    public var keypoints: [Point]

    public init(box: BoundingBox, score: Double, keypoints: [Point]) {
        self.box = box
        self.score = score
        self.keypoints = keypoints
    }
}

/// Detects faces in frames with BlazeFace, through an infer-request pool of its own or a serving
/// deployment shared with other callers (any `ModelRunner`).
///
/// Frames must be decoded in `frameFormat` (letterboxed square NHWC floats in −1…1), which is what the
/// model was trained on; boxes come back in source pixels through the frame's letterbox mapping.
public final class FaceDetector: Sendable {
    public let variant: BlazeFace.Variant
    /// Model name and version, e.g. "blazeface-full@0.6.0".
    public let modelID: String
    public let minScore: Float
    private let runner: any ModelRunner

    /// Loads the variant from the model repository and compiles it into a pool of its own.
    public convenience init(variant: BlazeFace.Variant = .fullRange, repository: ModelRepository, core: InferenceCore,
                            options: CompileOptions = CompileOptions(hint: .latency), minScore: Float = 0.5, poolSize: Int? = nil) throws {
        let manifest = try repository.manifest(named: variant.modelName)
        let model = try core.readModel(path: repository.modelPath(named: variant.modelName))
        let pool = try InferRequestPool(model: try core.compile(model: model, options: options), size: poolSize)
        self.init(variant: variant, runner: pool, modelID: "\(manifest.name)@\(manifest.version)", minScore: minScore)
    }

    /// Runs the variant through `runner` (e.g. a `DeploymentRunner` of the serving engine).
    public init(variant: BlazeFace.Variant, runner: any ModelRunner, modelID: String, minScore: Float = 0.5) {
        self.variant = variant
        self.runner = runner
        self.modelID = modelID
        self.minScore = minScore
    }

    /// The pixels the detector needs: a letterboxed square, NHWC, normalised to −1…1.
    public var frameFormat: FrameFormat { Self.frameFormat(for: variant) }

    /// The pixels a variant needs, for callers that run the model elsewhere.
    public static func frameFormat(for variant: BlazeFace.Variant) -> FrameFormat {
        FrameFormat(width: variant.inputSize, height: variant.inputSize, layout: .float32NHWC, resize: .letterbox(padding: 0),
                    filter: .bilinear, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
    }

    /// Faces in one frame decoded in `frameFormat`.
    public func detect(_ frame: VideoFrame) async throws -> [Face] {
        let size = variant.inputSize
        guard frame.width == size, frame.height == size, frame.layout == .float32NHWC, let pixels = frame.pixels.floats else {
            throw PlayheadError(.invalidArgument, "face detection needs \(size)x\(size) NHWC float frames (use FaceDetector.frameFormat)")
        }
        let outputs = try await runner.run([try Tensor(shape: [1, size, size, 3], floats: pixels)])
        // The two outputs are told apart by shape: [1, anchors, 16] boxes and [1, anchors, 1] scores.
        let anchorCount = BlazeFace.anchors(for: variant).count
        guard let regressors = outputs.first(where: { $0.shape.last == 16 && $0.shape.dropLast().last == anchorCount }),
              let scores = outputs.first(where: { $0.shape.last == 1 && $0.shape.dropLast().last == anchorCount }) else {
            throw PlayheadError(.modelInvalid, "\(modelID) outputs \(outputs.map(\.shape)) are not BlazeFace's")
        }
        return Self.faces(regressors: try regressors.floats(), scores: try scores.floats(), variant: variant, minScore: minScore, frame: frame)
    }

    /// Faces from BlazeFace's raw outputs for a frame decoded in the variant's `frameFormat`, in source
    /// pixels (used directly and by callers that run the model elsewhere, e.g. through a deployment).
    public static func faces(regressors: [Float], scores: [Float], variant: BlazeFace.Variant, minScore: Float, frame: VideoFrame) -> [Face] {
        let size = variant.inputSize
        let detections = BlazeFace.decode(regressors: regressors, scores: scores, anchors: BlazeFace.anchors(for: variant),
                                          inputSize: size, minScore: minScore)
        let scale = Double(size)
        return BlazeFace.weightedNonMaxSuppression(detections).map { detection in
            let box = BoundingBox(x: detection.box.x * scale, y: detection.box.y * scale,
                                  width: detection.box.width * scale, height: detection.box.height * scale)
            return Face(box: frame.mapping.toSource(box).clamped(width: Double(frame.sourceWidth), height: Double(frame.sourceHeight)),
                        score: Double(detection.score),
                        keypoints: detection.keypoints.map { frame.mapping.toSource(Point(x: $0.x * scale, y: $0.y * scale)) })
        }
    }
}
