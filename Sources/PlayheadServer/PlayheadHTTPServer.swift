import Foundation
import HTTPTypes
import Hummingbird
import Jobs
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore
import Prometheus
import Serving
import ServiceLifecycle
import Sessions

/// The HTTP face of a `ServingEngine`: KServe v2, `/metrics`, `/openapi.yaml`, JSON errors, auth.
public struct PlayheadHTTPServer: Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        /// When set, every non-public route needs `Authorization: Bearer <token>`.
        public var token: String?
        public var maxBodyBytes: Int
        public var version: String
        /// Deployments behind `POST /v1/images/analyze`.
        public var facesDeployment: String
        public var safetyDeployment: String
        /// Where uploaded media are kept (one file per content hash).
        public var mediaDirectory: String
        public var maxUploadBytes: Int
        /// Chunks this process computes at once for queued jobs (0: only `playhead worker` processes do).
        public var jobWorkers: Int

        public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, maxBodyBytes: Int = 64 << 20, version: String = "0.1.0",
                    facesDeployment: String = "blazeface-full", safetyDeployment: String = "nudenet-320n",
                    mediaDirectory: String = "data/media", maxUploadBytes: Int = 4 << 30, jobWorkers: Int = 1) {
            self.mediaDirectory = mediaDirectory
            self.maxUploadBytes = maxUploadBytes
            self.jobWorkers = jobWorkers
            self.facesDeployment = facesDeployment
            self.safetyDeployment = safetyDeployment
            self.host = host
            self.port = port
            self.token = token
            self.maxBodyBytes = maxBodyBytes
            self.version = version
        }

        /// Loopback needs no token; anything else exposed without one deserves a warning.
        public var isExposedWithoutToken: Bool {
            token == nil && !["127.0.0.1", "localhost", "::1"].contains(host)
        }
    }

    public let engine: ServingEngine
    public let options: Options
    /// The feature store side (media, jobs, annotations); without it those routes are absent.
    public let analysis: MediaAnalysis?
    /// Interactive playback sessions (`/v1/sessions`, the player page, media files); nil serves none of them.
    public let sessions: SessionRuntime?

    /// Create the server before the engine's deployments when metrics matter: swift-metrics handles
    /// made before the Prometheus bootstrap stay no-ops (`PlayheadMetrics.bootstrap()` does it early).
    public init(engine: ServingEngine, options: Options, analysis: MediaAnalysis? = nil, sessions: SessionRuntime? = nil) {
        PlayheadMetrics.bootstrap()
        self.engine = engine
        self.options = options
        self.analysis = analysis
        self.sessions = sessions
    }

    /// Every route, with the JSON-error and auth middleware in front.
    public func makeRouter() -> Hummingbird.Router<PlayheadRequestContext> {
        let router = Hummingbird.Router(context: PlayheadRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        if let token = options.token { router.add(middleware: BearerAuthMiddleware(token: token)) }
        KServeRoutes(engine: engine, maxBodyBytes: options.maxBodyBytes, serverVersion: options.version).register(on: router)
        ImageAnalysisRoute(engine: engine, deployments: .init(faces: options.facesDeployment, safety: options.safetyDeployment),
                           maxBodyBytes: options.maxBodyBytes).register(on: router)
        if let analysis {
            MediaRoutes(analysis: analysis, directory: URL(fileURLWithPath: options.mediaDirectory), maxUploadBytes: options.maxUploadBytes)
                .register(on: router)
            JobRoutes(analysis: analysis).register(on: router)
        }
        if let sessions {
            MediaFileRoute(store: sessions.store).register(on: router)
            PlayerPage.register(on: router)
        }
        router.get("/metrics") { _, _ in
            let text = PlayheadMetrics.registry.emitToBuffer()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        return router
    }

    /// The server as a service: runs the engine and the HTTP listener; on graceful shutdown the
    /// listener stops accepting and finishes in-flight requests, then the engine drains.
    public func makeServices(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> [any Service] {
        let configuration = ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "playhead/\(options.version)")
        let running: @Sendable (any Channel) async -> Void = { channel in await onServerRunning(channel.localAddress?.port ?? 0) }
        // With sessions, connections may upgrade to a WebSocket; plain HTTP/1 is unchanged either way.
        let application: any Service = if let sessions {
            Application(router: makeRouter(),
                        server: .http1WebSocketUpgrade(webSocketRouter: makeWebSocketRouter(sessions),
                                                       configuration: .init(http1: .init(additionalChannelHandlers: [ConnectionWatcher()]))),
                        configuration: configuration, onServerRunning: running, logger: logger)
        } else {
            Application(router: makeRouter(), server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionWatcher()])),
                        configuration: configuration, onServerRunning: running, logger: logger)
        }
        // The group stops services last to first: sessions close before the listener drains (open session
        // connections do not hold the shutdown up), and job workers finish their chunks before the engine drains.
        var services: [any Service] = [EngineService(engine: engine)]
        if let analysis, options.jobWorkers > 0 {
            let worker = Worker(store: analysis.store, factory: analysis.factory, name: "\(Worker.defaultName())/serve", logger: logger)
            services.append(WorkerService(worker: worker, concurrency: options.jobWorkers))
        }
        return services + [application] + (sessions.map { [SessionsService(runtime: $0)] } ?? [])
    }

    /// The routes that upgrade to a WebSocket, behind the same auth as the rest.
    func makeWebSocketRouter(_ sessions: SessionRuntime) -> Hummingbird.Router<BasicWebSocketRequestContext> {
        let router = Hummingbird.Router(context: BasicWebSocketRequestContext.self)
        if let token = options.token { router.add(middleware: BearerAuthMiddleware(token: token)) }
        SessionRoutes(runtime: sessions).register(on: router)
        return router
    }
}

/// Runs the engine's batch loops for as long as the service group runs; drains on graceful shutdown.
struct EngineService: Service {
    let engine: ServingEngine

    func run() async throws {
        await withGracefulShutdownHandler {
            await engine.run()
        } onGracefulShutdown: {
            Task { await engine.shutdown() }
        }
    }
}

/// Closes every playback session on graceful shutdown, so their connections finish and their work stops.
struct SessionsService: Service {
    let runtime: SessionRuntime

    func run() async throws {
        try? await gracefulShutdown()
        await runtime.shutdown()
    }
}

/// Process-wide Prometheus registry behind swift-metrics (bootstrapped once, on first use).
public enum PlayheadMetrics {
    /// Installs the Prometheus backend if it is not installed yet.
    public static func bootstrap() { _ = registry }

    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64]
        MetricsSystem.bootstrap(factory)
        return registry
    }()
}
