import Analyzers
import Inference
import Logging
import Serving

/// The serving engine `playhead analyze` runs its models on: one deployment per model, so the CLI
/// computes with the same engine (queues, batching, replicas) as `playhead serve`.
struct AnalysisEngine: Sendable {
    /// Replica start-ups are routine here; only problems reach the terminal.
    let engine = ServingEngine(logger: {
        var logger = Logger(label: "playhead.analyze")
        logger.logLevel = .warning
        return logger
    }())
    let repository: ModelRepository

    /// One OpenVINO runtime per process, started on first use: shots alone never pay for it.
    static func core() throws -> InferenceCore { try sharedCore.get() }
    private static let sharedCore = Result { try InferenceCore() }

    /// Deploys `model` from the repository, waits for its replica, and returns a runner and "name@version".
    ///
    /// `shape` reshapes the model's input (-1 for a free axis). Frames are independent, so with a free
    /// batch axis and `maxBatch` above 1 the deployment stacks the frames in flight into one batch,
    /// cheaper per frame than one call each.
    func runner(for model: String, shape: (input: String, dims: [Int])? = nil, maxBatch: Int = 1) async throws -> (runner: any ModelRunner, id: String) {
        let manifest = try repository.manifest(named: model)
        let config = DeploymentConfig(
            name: model, version: manifest.version,
            batching: .init(maxBatchSize: maxBatch, maxWait: .milliseconds(2)),
            backend: .model(path: try repository.modelPath(named: model), core: try Self.core(), options: CompileOptions(hint: .throughput),
                            inputShapes: shape.map { [$0.input: $0.dims] } ?? [:]))
        let deployment = try await engine.deploy(config)
        try await deployment.ready()
        return (DeploymentRunner(deployment), "\(manifest.name)@\(manifest.version)")
    }

    /// Runs `body` while the engine serves, then drains the engine.
    func serving<T: Sendable>(_ body: @Sendable (AnalysisEngine) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.run() }
            do {
                let result = try await body(self)
                await engine.shutdown()
                return result
            } catch {
                await engine.shutdown()
                throw error
            }
        }
    }
}
