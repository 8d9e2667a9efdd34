import Foundation
import Inference
import Serving
import Yams

/// `playhead.yaml`: the server's address, auth and the deployments it serves.
///
/// ```yaml
/// server: {host: 127.0.0.1, port: 8080, token: secret, max_body_bytes: 67108864,
///          analyze: {faces: blazeface-full, safety: nudenet-320n}}
/// deployments:
///   - name: nudenet
///     model: nudenet-320n          # a model in the repository (`playhead models list`)
///     version: "1"
///     replicas: 1
///     max_ongoing_requests: 64
///     max_queued_requests: 1024
///     batching: {max_batch_size: 8, max_wait_ms: 2}
///     autoscaling: {min_replicas: 1, max_replicas: 2, target_ongoing_requests: 8,
///                   upscale_delay_s: 3, downscale_delay_s: 30}
///     hint: throughput             # default; or latency, adaptive (latency copy when idle)
///     precision: f32               # or bf16; default: the CPU's best
///     threads: 2
///     infer_requests: 4            # default: two per OpenVINO stream
///     input_shapes: {images: [-1, 3, 320, 320]}
///     canary: {share: 0.1, window_s: 30, min_requests: 50, max_error_rate_increase: 0.01, max_p99_ratio: 1.2}
/// ```
public struct ServerConfig: Sendable, Decodable {
    public struct Server: Sendable, Decodable {
        public var host: String?
        public var port: Int?
        public var token: String?
        public var maxBodyBytes: Int?
        /// Deployments behind `POST /v1/images/analyze`: `{faces: blazeface-full, safety: nudenet-320n}`.
        public var analyze: [String: String]?
    }

    public struct Canary: Sendable, Decodable, Equatable {
        public var share: Double?
        public var windowS: Double?
        public var minRequests: Int?
        public var maxErrorRateIncrease: Double?
        public var maxP99Ratio: Double?
        public var patienceS: Double?

        /// The serving policy, defaults filled in.
        public var policy: CanaryPolicy {
            let defaults = CanaryPolicy()
            return CanaryPolicy(share: share ?? defaults.share, window: windowS.map { .milliseconds(Int64($0 * 1000)) } ?? defaults.window,
                                minRequests: minRequests ?? defaults.minRequests,
                                maxErrorRateIncrease: maxErrorRateIncrease ?? defaults.maxErrorRateIncrease,
                                maxP99Ratio: maxP99Ratio ?? defaults.maxP99Ratio,
                                patience: patienceS.map { .milliseconds(Int64($0 * 1000)) })
        }
    }

    public struct Batching: Sendable, Decodable, Equatable {
        public var maxBatchSize: Int?
        public var maxWaitMs: Double?

        public init(maxBatchSize: Int? = nil, maxWaitMs: Double? = nil) {
            self.maxBatchSize = maxBatchSize
            self.maxWaitMs = maxWaitMs
        }
    }

    public struct Autoscaling: Sendable, Decodable, Equatable {
        public var minReplicas: Int?
        public var maxReplicas: Int?
        public var targetOngoingRequests: Double?
        public var upscaleDelayS: Double?
        public var downscaleDelayS: Double?
    }

    public struct Deployment: Sendable, Decodable, Equatable {
        public var name: String
        public var model: String
        public var version: String?
        public var replicas: Int?
        public var maxOngoingRequests: Int?
        public var maxQueuedRequests: Int?
        public var batching: Batching?
        public var autoscaling: Autoscaling?
        /// `throughput` (default), `latency`, or `adaptive` (throughput streams plus a latency-hint copy
        /// for a request that finds the replica idle); any case.
        public var hint: String?
        public var precision: CompileOptions.Precision?
        public var threads: Int?
        public var inferRequests: Int?
        public var inputShapes: [String: [Int]]?
        /// How a changed deployment is tried when the file is reloaded (SIGHUP); absent: a plain rolling update.
        public var canary: Canary?

        public init(name: String, model: String) {
            self.name = name
            self.model = model
        }
    }

    public var server: Server?
    public var deployments: [Deployment]

    public init(deployments: [Deployment]) {
        self.deployments = deployments
    }

    /// Reads and checks a YAML file; errors name the file and the problem.
    public static func load(path: String) throws(ServingError) -> ServerConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServingError(.invalidConfig, "cannot read \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ yaml: String, source: String = "config") throws(ServingError) -> ServerConfig {
        do {
            // YAML -> JSON -> JSONDecoder gives snake_case keys for free.
            guard let raw = try Yams.load(yaml: yaml) as? [String: Any] else {
                throw ServingError(.invalidConfig, "\(source): expected a mapping with 'deployments'")
            }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            var config = try decoder.decode(ServerConfig.self, from: JSONSerialization.data(withJSONObject: raw))
            // Tensor names are data, not keys: take them verbatim (the key strategy would rewrite "input_1").
            let rawDeployments = raw["deployments"] as? [[String: Any]] ?? []
            for (index, rawDeployment) in rawDeployments.enumerated() where index < config.deployments.count {
                config.deployments[index].inputShapes = rawDeployment["input_shapes"] as? [String: [Int]]
            }
            let names = config.deployments.map(\.name)
            if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw ServingError(.invalidConfig, "\(source): deployment '\(duplicate)' is declared twice")
            }
            return config
        } catch let error as ServingError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw ServingError(.invalidConfig, "\(source): missing '\(key.stringValue)' at \(path(context))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context) {
            throw ServingError(.invalidConfig, "\(source): \(context.debugDescription) at \(path(context))")
        } catch {
            throw ServingError(.invalidConfig, "\(source): \(error)")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "the top level" : path
    }

    /// The serving configuration of one declared deployment, with its model taken from `repository`.
    public static func deploymentConfig(_ declared: Deployment, repository: ModelRepository, core: InferenceCore) throws(ServingError) -> DeploymentConfig {
        let path: String
        let modelVersion: String
        do {
            path = try repository.modelPath(named: declared.model)
            modelVersion = try repository.manifest(named: declared.model).version
        } catch {
            throw ServingError(.invalidConfig, "deployment '\(declared.name)': \(error.message)")
        }
        // adaptive: the throughput streams, plus a latency-hint copy for requests that find the replica idle.
        var hint = CompileOptions.PerformanceHint.throughput
        let latencyWhenIdle = declared.hint?.lowercased() == "adaptive"
        if let declaredHint = declared.hint, !latencyWhenIdle {
            guard let parsed = CompileOptions.PerformanceHint(rawValue: declaredHint.uppercased()) else {
                throw ServingError(.invalidConfig, "deployment '\(declared.name)': hint must be adaptive, latency or throughput, got '\(declaredHint)'")
            }
            hint = parsed
        }
        let options = CompileOptions(hint: hint, precision: declared.precision, threads: declared.threads)
        let batching = declared.batching
        let maxWait = Duration.microseconds(Int64(((batching?.maxWaitMs ?? 0) * 1000).rounded()))
        var autoscaling: AutoscalingPolicy?
        if let scaling = declared.autoscaling {
            autoscaling = AutoscalingPolicy(
                minReplicas: scaling.minReplicas ?? 1, maxReplicas: scaling.maxReplicas ?? max(1, scaling.minReplicas ?? 1),
                targetOngoingRequests: scaling.targetOngoingRequests ?? 2,
                upscaleDelay: .milliseconds(Int64((scaling.upscaleDelayS ?? 3) * 1000)),
                downscaleDelay: .milliseconds(Int64((scaling.downscaleDelayS ?? 30) * 1000)))
        }
        guard (batching?.maxBatchSize ?? 1) >= 1, (declared.maxQueuedRequests ?? 0) >= 0, (batching?.maxWaitMs ?? 0) >= 0 else {
            throw ServingError(.invalidConfig, "deployment '\(declared.name)': max_batch_size must be >= 1, max_wait_ms and max_queued_requests >= 0")
        }
        let config = DeploymentConfig(
            name: declared.name, version: declared.version ?? modelVersion, replicas: declared.replicas ?? 1,
            maxOngoingRequests: declared.maxOngoingRequests ?? 64,
            batching: .init(maxBatchSize: batching?.maxBatchSize ?? 1, maxWait: maxWait, maxQueued: declared.maxQueuedRequests ?? 1024),
            autoscaling: autoscaling,
            backend: .model(path: path, core: core, options: options, inputShapes: declared.inputShapes ?? [:], inferRequests: declared.inferRequests,
                            latencyWhenIdle: latencyWhenIdle))
        try config.validate()
        return config
    }
}
