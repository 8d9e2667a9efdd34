import Dispatch
import Inference

/// Everything that defines a deployment: what it runs and how it is scaled, batched and bounded.
public struct DeploymentConfig: Sendable {
    /// Name clients address (the KServe model name).
    public var name: String
    /// Reported with every response; a rolling update moves from one version to the next.
    public var version: String
    public var replicas: Int
    /// Requests one replica may hold at once (queued inside it or running).
    public var maxOngoingRequests: Int
    public var batching: BatchingStateMachine<UInt64>.Policy
    public var autoscaling: AutoscalingPolicy?
    /// Makes one replica's backend; called once per replica (and again for replacements).
    public var backend: BackendFactory

    public init(name: String, version: String = "1", replicas: Int = 1, maxOngoingRequests: Int = 64,
                batching: BatchingStateMachine<UInt64>.Policy = .init(), autoscaling: AutoscalingPolicy? = nil,
                backend: BackendFactory) {
        self.name = name
        self.version = version
        self.replicas = replicas
        self.maxOngoingRequests = maxOngoingRequests
        self.batching = batching
        self.autoscaling = autoscaling
        self.backend = backend
    }

    /// Rejects settings that cannot work, with a message naming the deployment and the setting.
    public func validate() throws(ServingError) {
        func fail(_ message: String) -> ServingError { ServingError(.invalidConfig, "deployment '\(name)': \(message)") }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw fail("the name must be letters, digits, '-', '_' or '.'")
        }
        guard replicas >= 0 else { throw fail("replicas must be 0 or more, got \(replicas)") }
        // Without autoscaling nothing would ever add a replica, and requests would queue forever.
        guard replicas > 0 || autoscaling != nil else { throw fail("replicas: 0 needs autoscaling to start replicas on demand") }
        guard maxOngoingRequests >= 1 else { throw fail("max_ongoing_requests must be at least 1") }
        if let autoscaling {
            guard autoscaling.minReplicas >= 0, autoscaling.maxReplicas >= max(1, autoscaling.minReplicas) else {
                throw fail("autoscaling needs 0 <= min_replicas <= max_replicas and max_replicas >= 1")
            }
            guard autoscaling.targetOngoingRequests > 0 else { throw fail("target_ongoing_requests must be positive") }
        }
    }
}

/// Builds replica backends for a deployment: a model from the repository, or Swift code.
public struct BackendFactory: Sendable {
    /// Creates one replica's backend (compiling a model takes from milliseconds to seconds).
    public var make: @Sendable () async throws(ServingError) -> any ReplicaBackend

    public init(make: @escaping @Sendable () async throws(ServingError) -> any ReplicaBackend) {
        self.make = make
    }

    /// An OpenVINO model file compiled once per replica; with `latencyWhenIdle`, a second time with the
    /// latency hint for inferences that start while the replica is otherwise idle (see `ModelBackend`).
    public static func model(path: String, core: InferenceCore, options: CompileOptions = CompileOptions(hint: .throughput),
                             inputShapes: [String: [Int]] = [:], inferRequests: Int? = nil, latencyWhenIdle: Bool = false) -> BackendFactory {
        BackendFactory { () throws(ServingError) in
            // Compiling blocks its thread for up to seconds; keep it off the few threads that serve requests.
            try await offCooperativePool { () throws(ServingError) in
                try ModelBackend(path: path, core: core, options: options, inputShapes: inputShapes, inferRequests: inferRequests,
                                 latencyWhenIdle: latencyWhenIdle)
            }
        }
    }

    /// Swift code answering one request at a time, `concurrency` at once per replica.
    public static func handler(inputs: [TensorSpec] = [], outputs: [TensorSpec] = [], concurrency: Int = 8,
                               _ body: @escaping @Sendable (InferenceRequest) async throws -> [TensorData]) -> BackendFactory {
        BackendFactory { HandlerBackend(inputs: inputs, outputs: outputs, concurrency: concurrency, body: body) }
    }
}

/// Runs blocking work (a model compile) on a Dispatch thread, so Swift's cooperative threads, one
/// per core, stay free to serve requests meanwhile.
func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws(ServingError) -> T) async throws(ServingError) -> T {
    let result: Result<T, ServingError> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: Result { () throws(ServingError) in try work() })
        }
    }
    return try result.get()
}
