import Logging

/// The set of deployments one process serves, by name: deploy, look up, update, shut down.
///
/// `run()` runs every deployment's batch loop in one task group; deployments added later join it.
public actor ServingEngine {
    private var deployments: [String: Deployment] = [:]
    private let logger: Logger
    private nonisolated let added: AsyncStream<Deployment>
    private nonisolated let addedSink: AsyncStream<Deployment>.Continuation

    public init(logger: Logger = Logger(label: "playhead.serving")) {
        self.logger = logger
        (added, addedSink) = AsyncStream.makeStream(of: Deployment.self)
    }

    /// Adds a deployment; its replicas start building at once (it is ready when one is warm).
    @discardableResult
    public func deploy(_ config: DeploymentConfig) throws(ServingError) -> Deployment {
        guard deployments[config.name] == nil else {
            throw ServingError(.invalidConfig, "a deployment named '\(config.name)' already exists; use update to replace its version")
        }
        let deployment = try Deployment(config, logger: logger)
        deployments[config.name] = deployment
        addedSink.yield(deployment)
        return deployment
    }

    public func deployment(named name: String) throws(ServingError) -> Deployment {
        guard let deployment = deployments[name] else {
            let known = deployments.keys.sorted().joined(separator: ", ")
            throw ServingError(.deploymentNotFound, "no deployment named '\(name)'" + (known.isEmpty ? "" : "; available: \(known)"))
        }
        return deployment
    }

    /// A handle that calls `name` in process.
    public func handle(_ name: String) throws(ServingError) -> DeploymentHandle {
        DeploymentHandle(try deployment(named: name))
    }

    public var names: [String] { deployments.keys.sorted() }

    /// True when every deployment has at least one replica serving.
    public func isReady() async -> Bool {
        for deployment in deployments.values where await !deployment.isReady { return false }
        return true
    }

    /// Removes a deployment: new requests get `deploymentNotFound` at once, queued and running ones finish
    /// (its replicas drain), then its batch loop ends. Nothing happens when there is none of that name.
    public func remove(_ name: String) async {
        guard let deployment = deployments.removeValue(forKey: name) else { return }
        logger.notice("removing deployment", metadata: ["deployment": "\(name)"])
        await deployment.shutdown()
    }

    /// Rolls `config.name` over to `config`'s version (see `Deployment.update`).
    public func update(_ config: DeploymentConfig) async throws(ServingError) {
        try await deployment(named: config.name).update(to: config)
    }

    /// Runs every deployment until `shutdown()` finishes.
    public nonisolated func run() async {
        await withDiscardingTaskGroup { group in
            for await deployment in added {
                group.addTask { await deployment.run() }
            }
        }
    }

    /// Runs the engine while `body` runs with it, then drains it, also when `body` throws.
    public nonisolated func serving<T: Sendable>(_ body: @Sendable (ServingEngine) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            do {
                let result = try await body(self)
                await shutdown()
                return result
            } catch {
                await shutdown()
                throw error
            }
        }
    }

    /// Stops accepting, finishes queued and running requests in every deployment, then ends `run()`.
    public func shutdown() async {
        addedSink.finish()
        await withDiscardingTaskGroup { group in
            for deployment in deployments.values {
                group.addTask { await deployment.shutdown() }
            }
        }
    }
}
