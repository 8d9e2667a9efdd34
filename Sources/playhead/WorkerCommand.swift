import ArgumentParser
import Foundation
import Inference
import Jobs
import Logging
import PlayheadCore
import Serving
import ServiceLifecycle
import Store

/// `playhead worker`: a stateless worker computing chunks of the store's queued jobs.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Compute queued analysis jobs from the feature store, chunk by chunk.",
        discussion: """
        Workers keep no state: run any number, on any machine that reaches the store (PostgreSQL for more than \
        one machine). A worker that dies loses only its current chunk, which another worker leases again when the \
        lease runs out. SIGTERM or Ctrl-C finishes the chunks in progress, then exits 0.
        """
    )

    @Option(help: "The feature store: a SQLite path, sqlite:///path or postgres://user@host:port/db (default: $PLAYHEAD_DATA/playhead.db, else ./data/playhead.db).")
    var store: String?
    @Option(help: "Chunks computed at once.") var concurrency = 1
    @Option(help: "Model repository (default: $PLAYHEAD_MODELS or ./models).") var models: String?
    @Option(help: "Seconds a lease lasts without a heartbeat (how soon a dead worker's chunk is taken over).") var leaseSeconds: Double = 30
    @Option(help: "Seconds between heartbeats.") var heartbeatSeconds: Double = 5
    @Option(help: "Attempts per chunk before its job fails.") var maxAttempts = 3
    @Option(help: "Worker name in leases and logs (default: host:pid).") var name: String?
    @Option(help: "Threads for decoding and for each model (0: every core). With 1, run one worker per core.") var threads = 0
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard leaseSeconds > 0, heartbeatSeconds > 0, heartbeatSeconds < leaseSeconds else {
            throw ValidationError("--heartbeat-seconds must be positive and shorter than --lease-seconds")
        }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (every core) or more") }
    }

    func run() async throws {
        try await reportingErrors {
            let logger = {
                var logger = Logger(label: "playhead.worker")
                logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
                return logger
            }()
            let url = try store.map { text throws(StoreError) in try StoreURL(text) } ?? StoreURL.defaultURL()
            let repository = ModelRepository(root: models ?? ModelRepository.defaultRoot())
            let configuration = Worker.Configuration(leaseDuration: .milliseconds(Int64(leaseSeconds * 1000)),
                                                     heartbeat: .milliseconds(Int64(heartbeatSeconds * 1000)), maxAttempts: maxAttempts)
            let (name, concurrency, threads) = (name ?? Worker.defaultName(), concurrency, threads)
            try await url.withStore(logger: logger) { store in
                var engineLogger = logger
                engineLogger.logLevel = max(logger.logLevel, .warning)
                let engine = ServingEngine(logger: engineLogger)
                let worker = Worker(store: store, factory: AnalyzerFactory(engine: engine, repository: repository, threads: threads == 0 ? nil : threads), name: name,
                                    configuration: configuration, logger: logger)
                logger.notice("worker ready", metadata: ["store": "\(url)", "worker": "\(name)", "concurrency": "\(concurrency)"])
                try await engine.serving { _ in
                    let service = WorkerService(worker: worker, concurrency: concurrency)
                    let group = ServiceGroup(configuration: .init(services: [.init(service: service)],
                                                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                    try await group.run()
                }
            }
        }
    }
}
