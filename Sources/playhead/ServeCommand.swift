import ArgumentParser
import Foundation
import Inference
import Logging
import PlayheadCore
import PlayheadServer
import Serving
import ServiceLifecycle
import Sessions
import Store

/// `playhead serve`: the KServe v2 HTTP server over the deployments of `playhead.yaml`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP (KServe v2 inference protocol, playback sessions, /metrics, /openapi.yaml).",
        discussion: """
        Without --config every installed model is served under its own name with default settings.
        SIGTERM or Ctrl-C stops accepting, finishes in-flight requests and exits 0. SIGHUP re-reads
        --config: changed deployments roll over to the new settings with no failed request (through a
        canary when the deployment declares one), new deployments start. Playback sessions
        (/v1/sessions, the player page at /) read media and memoized results from --store.
        """
    )

    @Option(help: "Deployments and server settings (YAML).") var config: String?
    @Option(help: "Listen address (default: the config's, else 127.0.0.1).") var host: String?
    @Option(help: "Listen port (default: the config's, else 8080; 0 picks a free port).") var port: Int?
    @Option(help: "Model repository (default: $PLAYHEAD_MODELS or ./models).") var models: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @Option(help: "Media catalog and memoized results: sqlite:///path, a path, or postgres://… (default: $PLAYHEAD_DATA/playhead.db, else ./data/playhead.db).")
    var store: String?
    @Option(name: .customLong("media"), help: "Add a video file to the catalog before serving (repeatable); its id is logged.")
    var media: [String] = []
    @Option(help: "Playback session scheduling: deadline, or fifo (the baseline `bench/sessions_bench.py` compares against).")
    var sessionPolicy: String = "deadline"

    func run() async throws {
        try await reportingErrors {
            guard let policy = SessionRuntime.Policy(rawValue: sessionPolicy) else {
                throw PlayheadError(.invalidArgument, "--session-policy must be deadline or fifo, got '\(sessionPolicy)'")
            }
            PlayheadMetrics.bootstrap()
            var logger = Logger(label: "playhead")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let repository = ModelRepository(root: models ?? ModelRepository.defaultRoot())
            let file = try config.map { path throws(ServingError) in try ServerConfig.load(path: path) } ?? defaultConfig(repository)
            guard !file.deployments.isEmpty else {
                throw PlayheadError(.modelNotFound, "nothing to serve: no deployments configured and no models installed (run `playhead models pull`)")
            }
            let core = try InferenceCore()
            let engine = ServingEngine(logger: logger)
            for declared in file.deployments {
                try await engine.deploy(ServerConfig.deploymentConfig(declared, repository: repository, core: core))
            }
            let options = PlayheadHTTPServer.Options(
                host: host ?? file.server?.host ?? "127.0.0.1", port: port ?? file.server?.port ?? 8080,
                token: ProcessInfo.processInfo.environment["PLAYHEAD_TOKEN"] ?? file.server?.token,
                maxBodyBytes: file.server?.maxBodyBytes ?? 64 << 20,
                facesDeployment: file.server?.analyze?["faces"] ?? "blazeface-full",
                safetyDeployment: file.server?.analyze?["safety"] ?? "nudenet-320n")
            if options.isExposedWithoutToken {
                logger.warning("listening on a non-loopback address without a token: anyone who can reach it can run models; set PLAYHEAD_TOKEN or server.token", metadata: ["host": "\(options.host)"])
            }
            let names = await engine.names
            let storeURL = try store.map { text throws(StoreError) in try StoreURL(text) } ?? StoreURL.defaultURL()
            let (config, media) = (config, media)
            try await storeURL.withStore(logger: logger) { [logger] store in
                for path in media {
                    let record = try await MediaCatalog.register(path: path, in: store)
                    logger.notice("media added", metadata: ["id": "\(record.id)", "path": "\(record.location)"])
                }
                let sessions = SessionRuntime(engine: engine, store: store, configuration: .init(
                    deployments: [.faces: options.facesDeployment, .safety: options.safetyDeployment], policy: policy), logger: logger)
                let server = PlayheadHTTPServer(engine: engine, options: options, sessions: sessions)
                var services = server.makeServices(logger: logger) { port in
                    logger.notice("serving", metadata: ["url": "http://\(options.host):\(port)", "deployments": "\(names.joined(separator: ","))",
                                                        "store": "\(storeURL)"])
                }
                if let config {
                    // SIGHUP re-reads the file: changed deployments roll over (through a canary if declared).
                    services.insert(ReloadOnHangup(reloader: ConfigReloader(path: config, loaded: file, engine: engine, repository: repository,
                                                                            core: core, logger: logger)), at: 0)
                }
                let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                             gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        }
    }

    /// Every installed model, named as in the repository, with throughput-oriented defaults.
    private func defaultConfig(_ repository: ModelRepository) -> ServerConfig {
        ServerConfig(deployments: repository.installed().map { manifest in
            var deployment = ServerConfig.Deployment(name: manifest.name, model: manifest.name)
            deployment.batching = .init(maxBatchSize: 8, maxWaitMs: 2)
            return deployment
        })
    }
}
