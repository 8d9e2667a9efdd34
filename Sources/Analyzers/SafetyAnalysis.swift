import Inference
import MediaIO
import PlayheadCore

/// Runs NudeNet on one frame at a time, through an infer-request pool of its own or a serving
/// deployment shared with other callers (any `ModelRunner`).
public final class SafetyDetector: Sendable {
    /// Model name and version, e.g. "nudenet-320n@3.4.2".
    public let modelID: String
    private let runner: any ModelRunner

    /// Loads NudeNet from the model repository and compiles it into a pool of its own, its height and
    /// width free so frames keep their aspect (`NudeNet.frameFormat(sourceWidth:sourceHeight:inputShape:)`).
    public convenience init(repository: ModelRepository, core: InferenceCore, options: CompileOptions = CompileOptions(hint: .latency)) throws {
        let manifest = try repository.manifest(named: NudeNet.modelName)
        let model = try core.readModel(path: repository.modelPath(named: NudeNet.modelName))
        let shape = [1, 3, -1, -1]
        try model.reshape(shape)
        self.init(runner: try InferRequestPool(model: try core.compile(model: model, options: options)), modelID: "\(manifest.name)@\(manifest.version)",
                  inputShape: shape)
    }

    /// Runs NudeNet through `runner` (e.g. a `DeploymentRunner` of the serving engine) whose input has
    /// `inputShape` (NCHW, -1 for a free dimension).
    public init(runner: any ModelRunner, modelID: String, inputShape: [Int]) {
        self.runner = runner
        self.modelID = modelID
        self.inputShape = inputShape
    }

    /// The runner's input shape, which decides the frame format.
    public let inputShape: [Int]

    /// The frames `detect` takes for a source of this size.
    public func frameFormat(sourceWidth: Int, sourceHeight: Int) -> FrameFormat {
        NudeNet.frameFormat(sourceWidth: sourceWidth, sourceHeight: sourceHeight, inputShape: inputShape)
    }

    /// Detections in one frame decoded in `frameFormat(sourceWidth:sourceHeight:)`.
    public func detect(_ frame: VideoFrame) async throws -> [NudeNet.Detection] {
        let (width, height) = (frame.width, frame.height)
        guard frame.layout == .float32NCHW, let pixels = frame.pixels.floats, pixels.count == 3 * width * height else {
            throw PlayheadError(.invalidArgument, "NudeNet needs NCHW float frames (use SafetyDetector.frameFormat)")
        }
        let outputs = try await runner.run([try Tensor(shape: [1, 3, height, width], floats: pixels)])
        return try NudeNet.decode(output: try outputs[0].floats(), shape: outputs[0].shape, frame: frame)
    }
}

/// A class NudeNet saw over a span of time, with its highest score.
public struct SafetySegment: Sendable, Equatable, Codable {
    public var label: String
    public var start: Double
    public var end: Double
    public var maxScore: Double

    public init(label: String, start: Double, end: Double, maxScore: Double) {
        self.label = label
        self.start = start
        self.end = end
        self.maxScore = maxScore
    }

    enum CodingKeys: String, CodingKey {
        case label, start, end
        case maxScore = "max_score"
    }
}

/// The per-video verdict, with documented thresholds (`SafetyAnalysis.rating`).
public enum SafetyRating: String, Sendable, Codable {
    case safe, caution, unsafe
}

/// Brand safety over a video: NudeNet on sampled frames, detections grouped into time-ranged
/// segments per class, and a rating.
public struct SafetyAnalysis: Sendable {
    public let detector: SafetyDetector
    public let sampling: FrameSampling
    public let maxInFlight: Int

    public init(detector: SafetyDetector, sampling: FrameSampling = .fps(Rational(2, 1)), maxInFlight: Int = 4) {
        self.detector = detector
        self.sampling = sampling
        self.maxInFlight = max(1, maxInFlight)
    }

    /// Segments and rating for `path`.
    public func run(path: String) async throws -> (segments: [SafetySegment], rating: SafetyRating) {
        let result = try await VideoAnalysis(safety: .init(detector, sampling: sampling), maxInFlight: maxInFlight).run(path: path)
        return result.safety ?? ([], .safe)
    }

    /// Joins samples where a class is seen into segments: a class seen again within `maxGap`
    /// seconds continues its segment (one missed sample does not split it).
    public static func segments(_ samples: [(time: Double, detections: [NudeNet.Detection])], maxGap: Double = 1.25) -> [SafetySegment] {
        var open: [String: SafetySegment] = [:]
        var closed: [SafetySegment] = []
        for (time, detections) in samples {
            for (label, score) in Dictionary(detections.map { ($0.label, $0.score) }, uniquingKeysWith: max) {
                if var segment = open[label], time - segment.end <= maxGap {
                    segment.end = time
                    segment.maxScore = max(segment.maxScore, score)
                    open[label] = segment
                } else {
                    if let finished = open[label] { closed.append(finished) }
                    open[label] = SafetySegment(label: label, start: time, end: time, maxScore: score)
                }
            }
        }
        closed += open.values
        return closed.sorted { ($0.start, $0.label) < ($1.start, $1.label) }
    }

    /// Classes that make a video `caution` when they reach `unsafeScore` (covered intimate areas, an exposed belly).
    public static let suggestiveLabels: Set<String> = [
        "FEMALE_BREAST_COVERED", "FEMALE_GENITALIA_COVERED", "BUTTOCKS_COVERED", "ANUS_COVERED", "BELLY_EXPOSED",
    ]
    public static let unsafeScore = 0.6
    public static let cautionScore = 0.45

    /// `unsafe` when an explicit class (`NudeNet.explicitLabels`) reaches `unsafeScore`; `caution` when
    /// an explicit class reaches `cautionScore` or a suggestive one reaches `unsafeScore`; else `safe`.
    public static func rating(_ segments: [SafetySegment]) -> SafetyRating {
        if segments.contains(where: { NudeNet.explicitLabels.contains($0.label) && $0.maxScore >= unsafeScore }) { return .unsafe }
        if segments.contains(where: { NudeNet.explicitLabels.contains($0.label) && $0.maxScore >= cautionScore })
            || segments.contains(where: { suggestiveLabels.contains($0.label) && $0.maxScore >= unsafeScore }) {
            return .caution
        }
        return .safe
    }

    /// Segments and rating of per-frame detections in time order: what a whole-file run and the
    /// stitching of a file's chunks both compute.
    public static func summary(of samples: [(time: MediaTime, detections: [NudeNet.Detection])]) -> (segments: [SafetySegment], rating: SafetyRating) {
        let segments = Self.segments(samples.map { ($0.time.seconds, $0.detections) })
        return (segments, rating(segments))
    }
}
