import Analyzers
import Inference
import PlayheadCore
import Serving
import Synchronization

/// Builds the analyzers a job asks for on deployments of a `ServingEngine`, so batch work computes with
/// the same engine (queues, batching, replicas, priorities) as online requests and playback sessions.
///
/// A model's deployment is reused when the engine already serves one under the model's name (`playhead
/// serve`); otherwise it is deployed on first use and kept for the factory's lifetime. The OpenVINO
/// runtime is only started when a model is needed: shots alone never pay for it.
public final class AnalyzerFactory: Sendable {
    public let engine: ServingEngine
    public let repository: ModelRepository
    /// Priority of the factory's requests on shared deployments; interactive sessions use a higher one.
    public let priority: Int
    /// Threads for decoding and for each model the factory deploys; nil uses every core. One thread makes a
    /// worker process use about one core, so workers scale by process, one per core.
    public let threads: Int?
    private let core: Mutex<InferenceCore?>
    private let deploying = DeploymentLocks()

    public init(engine: ServingEngine, repository: ModelRepository, core: InferenceCore? = nil, priority: Int = 0, threads: Int? = nil) {
        self.engine = engine
        self.repository = repository
        self.core = Mutex(core)
        self.priority = priority
        self.threads = threads
    }

    /// The OpenVINO runtime, started on first use.
    public func inferenceCore() throws -> InferenceCore {
        try core.withLock { core in
            if let core { return core }
            let started = try InferenceCore()
            core = started
            return started
        }
    }

    /// "name@version" of the model behind each feature, read from the manifests (nothing is loaded):
    /// the report's `models` and the memoization keys.
    public func modelIDs(for options: AnalysisOptions) throws -> [String: String] {
        var ids: [String: String] = [:]
        for feature in options.features {
            switch feature {
            case "shots": ids[feature] = Self.shotDetectorID
            case "faces": ids[feature] = try id(options.faceModel.modelName)
            case "text":
                let (detector, recognizer) = try TextReader.manifests(repository)
                ids[feature] = TextReader.modelID(detector, recognizer)
            case "safety": ids[feature] = try id(NudeNet.modelName)
            case "speech": ids[feature] = try id("silero-vad")
            default: throw PlayheadError(.invalidArgument, "unknown feature \(feature)")
            }
        }
        return ids
    }

    /// The classical shot detector has no weights; its version changes when its algorithm does.
    public static let shotDetectorID = "playhead-shots@1"

    private func id(_ model: String) throws -> String {
        let manifest = try repository.manifest(named: model)
        return "\(manifest.name)@\(manifest.version)"
    }

    /// The video analyzers for `options` on a stream at `frameRate` frames per second.
    public func videoAnalysis(_ options: AnalysisOptions, frameRate: Double) async throws -> VideoAnalysis {
        var video = VideoAnalysis()
        video.decoderThreads = threads ?? 0
        let features = Set(options.features)
        if features.contains("shots") { video.shots = ShotDetector(frameRate: frameRate) }
        if features.contains("faces") {
            let variant = options.faceModel
            let runner = try await runner(for: variant.modelName)
            video.faces = .init(FaceDetector(variant: variant, runner: runner, modelID: try id(variant.modelName)), fps: options.faceFPS)
        }
        if features.contains("text") {
            let (detector, recognizer) = try TextReader.manifests(repository)
            let detect = try await runner(for: detector.name, shape: ("x", TextReader.detectorShape))
            let recognize = try await runner(for: recognizer.name, shape: ("x", TextReader.recognizerShape))
            video.text = .init(try TextReader(detector: detect, recognizer: recognize, labels: recognizer.labels,
                                              modelID: TextReader.modelID(detector, recognizer)), fps: options.textFPS)
        }
        if features.contains("safety") {
            // Height and width free: each media's frames keep their aspect (320x192 for 16:9).
            let runner = try await runner(for: NudeNet.modelName, shape: ("images", [-1, 3, -1, -1]), maxBatch: 4)
            let shape = await (try? engine.deployment(named: NudeNet.modelName))?.inputs.first?.shape ?? [-1, 3, -1, -1]
            video.safety = .init(SafetyDetector(runner: runner, modelID: try id(NudeNet.modelName), inputShape: shape), fps: options.safetyFPS)
        }
        return video
    }

    /// Silero VAD on its own single-request pool: it is stateful across windows, so it is not batched.
    public func speechDetector() throws -> SpeechDetector {
        try SpeechDetector(repository: repository, core: try inferenceCore())
    }

    /// A runner on the engine's deployment of `model`, deploying it first when the engine has none.
    ///
    /// `shape` reshapes the model's input (-1 for a free axis). Frames are independent, so with a free
    /// batch axis and `maxBatch` above 1 the deployment stacks the frames in flight into one batch.
    public func runner(for model: String, shape: (input: String, dims: [Int])? = nil, maxBatch: Int = 1) async throws -> any ModelRunner {
        try await deploying.serialized(model) {
            if let existing = try? await engine.deployment(named: model) { return DeploymentRunner(existing, priority: priority) }
            let manifest = try repository.manifest(named: model)
            let config = DeploymentConfig(
                name: model, version: manifest.version,
                batching: .init(maxBatchSize: maxBatch, maxWait: .milliseconds(2)),
                backend: .model(path: try repository.modelPath(named: model), core: try inferenceCore(), options: CompileOptions(hint: .throughput, threads: threads),
                                inputShapes: shape.map { [$0.input: $0.dims] } ?? [:]))
            let deployment = try await engine.deploy(config)
            try await deployment.ready()
            return DeploymentRunner(deployment, priority: priority)
        }
    }
}

/// One deployment at a time per model name, so concurrent chunks asking for a model deploy it once.
private actor DeploymentLocks {
    private var busy: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func serialized<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T {
        while busy.contains(name) {
            await withCheckedContinuation { waiters[name, default: []].append($0) }
        }
        busy.insert(name)
        defer {
            busy.remove(name)
            for waiter in waiters.removeValue(forKey: name) ?? [] { waiter.resume() }
        }
        return try await body()
    }
}
