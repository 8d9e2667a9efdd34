import Inference
import Logging
import Serving
import ServiceLifecycle
import UnixSignals

/// Applies an edited `playhead.yaml` to a running server: a changed deployment rolls over to its new
/// settings (through a canary when it declares one), a new one is deployed. Removing a deployment
/// takes a restart, and says so.
public actor ConfigReloader {
    private let path: String
    private let engine: ServingEngine
    private let repository: ModelRepository
    private let core: InferenceCore
    private let logger: Logger
    private var current: [String: ServerConfig.Deployment]

    public init(path: String, loaded: ServerConfig, engine: ServingEngine, repository: ModelRepository, core: InferenceCore, logger: Logger) {
        self.path = path
        self.engine = engine
        self.repository = repository
        self.core = core
        self.logger = logger
        current = Dictionary(loaded.deployments.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// What a reload did to one deployment.
    public enum Change: Sendable, Equatable {
        case unchanged, deployed, updated, rolledBack(String), failed(String), removed
    }

    /// Re-reads the file and applies it; an unreadable file changes nothing.
    @discardableResult
    public func reload() async -> [String: Change] {
        let file: ServerConfig
        do {
            file = try ServerConfig.load(path: path)
        } catch {
            logger.error("reload: the configuration was not applied", metadata: ["path": "\(path)", "error": "\(error)"])
            return [:]
        }
        return await apply(file)
    }

    /// Applies `file`, deployment by deployment.
    public func apply(_ file: ServerConfig) async -> [String: Change] {
        var changes: [String: Change] = [:]
        for declared in file.deployments {
            guard current[declared.name] != declared else {
                changes[declared.name] = .unchanged
                continue
            }
            do {
                let config = try ServerConfig.deploymentConfig(declared, repository: repository, core: core)
                if current[declared.name] == nil {
                    try await engine.deploy(config)
                    changes[declared.name] = .deployed
                } else {
                    let outcome = try await engine.deployment(named: declared.name).update(to: config, canary: declared.canary?.policy)
                    if case .rolledBack(let reason) = outcome {
                        changes[declared.name] = .rolledBack(reason)
                        continue
                    }
                    changes[declared.name] = .updated
                }
                current[declared.name] = declared
            } catch {
                changes[declared.name] = .failed(error.description)
            }
        }
        for name in current.keys.sorted() where !file.deployments.contains(where: { $0.name == name }) {
            // New requests get 404 at once; those already queued or running finish.
            await engine.remove(name)
            current[name] = nil
            changes[name] = .removed
        }
        for (name, change) in changes.sorted(by: { $0.key < $1.key }) where change != .unchanged {
            logger.notice("reload", metadata: ["deployment": "\(name)", "change": "\(change)"])
        }
        return changes
    }
}

/// Reloads the configuration on every SIGHUP until the server shuts down.
public struct ReloadOnHangup: Service {
    let reloader: ConfigReloader

    public init(reloader: ConfigReloader) {
        self.reloader = reloader
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reloader.reload()
        }
    }
}
