import ArgumentParser
import Foundation
import Inference
import Jobs
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
    @Option(help: "The feature store for media, jobs, annotations and memoized session results: a SQLite path, sqlite:///path or postgres://user@host:port/db (default: $PLAYHEAD_DATA/playhead.db, else ./data/playhead.db).")
    var store: String?
    @Option(help: "Chunks of queued jobs this server computes at once (0: leave them to `playhead worker` processes).") var workers = 1
    @Option(help: "Where uploaded media are kept (default: $PLAYHEAD_DATA/media, else ./data/media).") var mediaDir: String?
    @Option(help: "Largest accepted upload, in MiB.") var maxUploadMb = 4096
    @Option(name: .customLong("media"), help: "Add a video file to the catalog before serving (repeatable); its id is logged.")
    var media: [String] = []
    @Option(help: "Playback session scheduling: deadline, or fifo (the baseline `bench/sessions_bench.py` compares against).")
    var sessionPolicy: String = "deadline"

    func validate() throws {
        guard workers >= 0 else { throw ValidationError("--workers must be 0 or more") }
        guard maxUploadMb >= 1 else { throw ValidationError("--max-upload-mb must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            guard let policy = SessionRuntime.Policy(rawValue: sessionPolicy) else {
                throw PlayheadError(.invalidArgument, "--session-policy must be deadline or fifo, got '\(sessionPolicy)'")
            }
            PlayheadMetrics.bootstrap()
            let logger = {
                var logger = Logger(label: "playhead")
                logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
                return logger
            }()
            let repository = ModelRepository(root: models ?? ModelRepository.defaultRoot())
            let file = try config.map { path throws(ServingError) in try ServerConfig.load(path: path) } ?? defaultConfig(repository)
            guard !file.deployments.isEmpty else {
                throw PlayheadError(.modelNotFound, "nothing to serve: no deployments configured and no models installed (run `playhead models pull`)")
            }
            let url = try store.map { text throws(StoreError) in try StoreURL(text) } ?? StoreURL.defaultURL()
            let dataDirectory = ProcessInfo.processInfo.environment["PLAYHEAD_DATA"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
            let mediaDirectory = mediaDir ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("media").path
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
                safetyDeployment: file.server?.analyze?["safety"] ?? "nudenet-320n",
                mediaDirectory: mediaDirectory, maxUploadBytes: maxUploadMb << 20, jobWorkers: workers)
            if options.isExposedWithoutToken {
                logger.warning("listening on a non-loopback address without a token: anyone who can reach it can run models; set PLAYHEAD_TOKEN or server.token", metadata: ["host": "\(options.host)"])
            }
            let names = await engine.names
            let (config, media) = (config, media)
            try await url.withStore(logger: logger) { [logger] store in
                // Batch chunks ask the shared deployments at the lowest priority: online and interactive requests go first.
                let analysis = MediaAnalysis(store: store, factory: AnalyzerFactory(engine: engine, repository: repository, core: core, priority: 0))
                for path in media {
                    let cataloged = try await analysis.catalog(path: URL(fileURLWithPath: path).path)
                    if cataloged.isNew { _ = try await analysis.runPipelines(for: cataloged.media) }
                    logger.notice("media added", metadata: ["id": "\(cataloged.media)", "path": "\(path)"])
                }
                let sessions = SessionRuntime(engine: engine, store: store, configuration: .init(
                    deployments: [.faces: options.facesDeployment, .safety: options.safetyDeployment], policy: policy), logger: logger)
                let server = PlayheadHTTPServer(engine: engine, options: options, analysis: analysis, sessions: sessions)
                var services = server.makeServices(logger: logger) { port in
                    logger.notice("serving", metadata: ["url": "http://\(options.host):\(port)", "deployments": "\(names.joined(separator: ","))",
                                                        "store": "\(url)"])
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
