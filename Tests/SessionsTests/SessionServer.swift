import Foundation
import HummingbirdWSClient
import Inference
import Jobs
import Logging
import PlayheadCore
import PlayheadServer
import Serving
import ServiceLifecycle
import Sessions
import Store
import TestSupport
import Testing

/// `playhead serve` with playback sessions for one test: real models, a fresh SQLite store with the test
/// media catalogued, listening on a free loopback port; stopped gracefully after.
final class SessionServer: Sendable {
    let runtime: SessionRuntime
    let store: SQLiteStore
    let media: MediaRecord
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static let repository = ModelRepository(root: TestMedia.packageRoot.appendingPathComponent("models").path)
    static let core: InferenceCore = try! InferenceCore()

    private init(runtime: SessionRuntime, store: SQLiteStore, media: MediaRecord, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.runtime = runtime
        self.store = store
        self.media = media
        self.port = port
        self.group = group
        self.task = task
    }

    /// Room for every session a test opens: figures measured on a loaded machine must not make admission
    /// refuse sessions in tests that are not about admission. Admission stays on the 64 workers: in a test
    /// process the CPU time of every suite running beside it would count as the sessions'.
    static let roomy = SessionRuntime.Configuration(workers: 64, admitOnCPUTime: false)

    /// Serves `features` (faces: BlazeFace full range, safety: NudeNet) for `TestMedia.astronautThenPatterns()`.
    static func start(features: [Feature] = [.faces], configuration: SessionRuntime.Configuration = roomy) async throws -> SessionServer {
        PlayheadMetrics.bootstrap()
        let engine = ServingEngine()
        let models: [Feature: String] = [.faces: "blazeface-full", .safety: "nudenet-320n"]
        for feature in features {
            var declared = ServerConfig.Deployment(name: models[feature]!, model: models[feature]!)
            declared.hint = "latency"
            try await engine.deploy(ServerConfig.deploymentConfig(declared, repository: repository, core: core))
        }
        let store = try SQLiteStore(path: try TestMedia.scratchDirectory().appendingPathComponent("sessions.db").path)
        try await store.migrate()
        let cataloged = try await MediaAnalysis(store: store, factory: AnalyzerFactory(engine: engine, repository: repository))
            .catalog(path: try TestMedia.astronautThenPatterns())
        let media = try #require(try await store.media(cataloged.media))
        var logger = Logger(label: "test-sessions")
        logger.logLevel = .warning
        let runtime = SessionRuntime(engine: engine, store: store, configuration: configuration, logger: logger)
        let server = PlayheadHTTPServer(engine: engine, options: .init(port: 0), sessions: runtime)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(services: server.makeServices(logger: logger) { portSink.yield($0) }, logger: logger)
        let task = Task { try await group.run() }
        guard let port = await ports.first(where: { _ in true }) else { throw URLError(.cannotConnectToHost) }
        let live = SessionServer(runtime: runtime, store: store, media: media, port: port, group: group, task: task)
        for feature in features { try await engine.deployment(named: models[feature]!).ready() }
        return live
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// A WebSocket client connected to `/v1/sessions`.
    func connect() async throws -> SessionSocket {
        try await SessionSocket.connect(url: "ws://127.0.0.1:\(port)/v1/sessions")
    }
}

/// A test's WebSocket client: sends JSON text, keeps every message received in order.
final class SessionSocket: Sendable {
    private let outgoing: AsyncStream<String>.Continuation
    private let received: Shared<[String]>
    private let task: Task<Void, any Error>

    private init(outgoing: AsyncStream<String>.Continuation, received: Shared<[String]>, task: Task<Void, any Error>) {
        self.outgoing = outgoing
        self.received = received
        self.task = task
    }

    static func connect(url: String) async throws -> SessionSocket {
        let (messages, sink) = AsyncStream.makeStream(of: String.self)
        let received = Shared<[String]>([])
        let connected = Gate()
        var logger = Logger(label: "test-ws-client")
        logger.logLevel = .warning
        let handlerRan = Shared(false)
        let task = Task {
            // The gate also opens when the client gives up (refused upgrade, no server), so connecting never hangs.
            defer { connected.open() }
            _ = try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                handlerRan.update { $0 = true }
                connected.open()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Closing the socket is finishing this stream: a close frame goes out, the server
                    // answers it, and the inbound stream below ends.
                    group.addTask {
                        for await text in messages { try await outbound.write(.text(text)) }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { received.update { $0.append(text) } }
                    }
                    group.cancelAll()
                }
            }
        }
        let socket = SessionSocket(outgoing: sink, received: received, task: task)
        try await connected.wait()
        guard handlerRan.value else {
            try await task.value
            throw URLError(.cannotConnectToHost)
        }
        return socket
    }

    func send(_ json: String) { outgoing.yield(json) }

    /// Closes the connection from the client side and waits until it is gone.
    func close() async {
        outgoing.finish()
        _ = try? await task.value
    }

    /// Every message received so far, parsed.
    var messages: [[String: Any]] {
        received.value.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    var count: Int { received.value.count }

    /// Messages of `type` received so far, from message `start` on.
    func messages(_ type: String, from start: Int = 0) -> [[String: Any]] {
        Array(messages.dropFirst(start)).filter { $0["type"] as? String == type }
    }

    /// Waits for the first message matching `condition` and returns it.
    @discardableResult
    func wait(_ what: String, where condition: @escaping ([String: Any]) -> Bool) async -> [String: Any]? {
        await eventually(what) { messages.contains(where: condition) }
        return messages.first(where: condition)
    }

    /// Waits for the first message of `type` at or after `start` matching `condition`.
    @discardableResult
    func wait(for type: String, from start: Int = 0, where condition: @escaping ([String: Any]) -> Bool = { _ in true }) async -> [String: Any]? {
        await eventually("a '\(type)' message") { messages(type, from: start).contains(where: condition) }
        return messages(type, from: start).first(where: condition)
    }
}
