import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Inference
import Jobs
import Logging
import PlayheadServer
import Serving
import ServiceLifecycle
import Store
import TestSupport

/// A `PlayheadHTTPServer` listening on a free loopback port for one test, stopped gracefully after.
final class LiveServer: Sendable {
    let engine: ServingEngine
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static let repository = ModelRepository(root: TestMedia.packageRoot.appendingPathComponent("models").path)
    static let core: InferenceCore = try! InferenceCore()

    private init(engine: ServingEngine, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.engine = engine
        self.port = port
        self.group = group
        self.task = task
    }

    /// `store` adds the media and jobs routes (uploads kept in `mediaDirectory`) and one in-process job worker.
    static func start(token: String? = nil, maxBodyBytes: Int = 8 << 20, store: (any Store)? = nil, mediaDirectory: String = "",
                      maxUploadBytes: Int = 64 << 20, deploy: (ServingEngine) async throws -> Void) async throws -> LiveServer {
        PlayheadMetrics.bootstrap()
        let engine = ServingEngine()
        try await deploy(engine)
        let analysis = store.map { MediaAnalysis(store: $0, factory: AnalyzerFactory(engine: engine, repository: repository, core: core)) }
        let server = PlayheadHTTPServer(engine: engine, options: .init(port: 0, token: token, maxBodyBytes: maxBodyBytes, mediaDirectory: mediaDirectory,
                                                                       maxUploadBytes: maxUploadBytes, jobWorkers: 1),
                                        analysis: analysis)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        let services = server.makeServices(logger: logger) { portSink.yield($0) }
        let group = ServiceGroup(services: services, logger: logger)
        let task = Task { try await group.run() }
        guard let port = await ports.first(where: { _ in true }) else { throw URLError(.cannotConnectToHost) }
        let live = LiveServer(engine: engine, port: port, group: group, task: task)
        try await live.waitUntilReady()
        return live
    }

    /// Deploys a repository model with the server's own YAML-to-deployment path.
    static func model(_ model: String, as name: String, configure: (inout ServerConfig.Deployment) -> Void = { _ in }) throws -> DeploymentConfig {
        var declared = ServerConfig.Deployment(name: name, model: model)
        configure(&declared)
        return try ServerConfig.deploymentConfig(declared, repository: repository, core: core)
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    func waitUntilReady() async throws {
        for _ in 0..<600 {
            if let (status, _, _) = try? await request("GET", "/v2/health/ready"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw URLError(.timedOut)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// One HTTP exchange; returns status, headers (lower-cased names) and body.
    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> (Int, [String: String], Data) {
        var request = URLRequest(url: URL(string: path, relativeTo: baseURL)!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, fields, data)
    }

    /// The code of a failed request's body: `{"error": {"code", "message"}}`, or KServe's `{"error": message, "code"}` under /v2.
    static func errorCode(_ body: Data) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        if let error = object["error"] as? [String: Any] { return error["code"] as? String }
        return object["error"] is String ? object["code"] as? String : nil
    }
}
