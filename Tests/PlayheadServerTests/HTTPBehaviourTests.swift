import Foundation
import Jobs
import PlayheadServer
import Serving
import Sessions
import Store
import Testing
import TestSupport
import Yams

/// Errors, overload, disconnects, auth, metrics and the OpenAPI document against a live server.
@Suite struct HTTPBehaviourTests {
    static let echoInputs = [TensorSpec(name: "x", datatype: .fp32, shape: [1])]

    /// A deployment answering `y = 2x` (or blocking on `gate` when x < 0).
    static func echo(name: String = "echo", gate: Gate? = nil, started: Shared<Int>? = nil, cancelled: Shared<Int>? = nil,
                     maxOngoing: Int = 64, maxQueued: Int = 64, concurrency: Int = 8) -> DeploymentConfig {
        DeploymentConfig(
            name: name, maxOngoingRequests: maxOngoing, batching: .init(maxBatchSize: 1, maxQueued: maxQueued),
            backend: .handler(inputs: echoInputs, outputs: [TensorSpec(name: "y", datatype: .fp32, shape: [1])], concurrency: concurrency) { request in
                let x = request.input(named: "x")!.floats()![0]
                if x < 0 {
                    started?.update { $0 += 1 }
                    if let gate { try await gate.wait() } else {
                        do { try await Task.sleep(for: .seconds(3600)) } catch {
                            cancelled?.update { $0 += 1 }
                            throw error
                        }
                    }
                }
                return [TensorData(name: "y", shape: [1], floats: [2 * x])]
            })
    }

    static func inferBody(_ x: Float, name: String = "x", datatype: String = "FP32", shape: [Int] = [1]) -> Data {
        Data(#"{"inputs":[{"name":"\#(name)","shape":\#(shape),"datatype":"\#(datatype)","data":[\#(x)]}]}"#.utf8)
    }

    @Test func badRequestsGetJSON4xxAndLeaveTheServerHealthy() async throws {
        let server = try await LiveServer.start(maxBodyBytes: 1 << 20) { try await $0.deploy(Self.echo()) }
        struct Case {
            var method: String, path: String, body: Data?, headers: [String: String], status: Int, code: String
            init(_ method: String, _ path: String, _ body: Data?, _ headers: [String: String], _ status: Int, _ code: String) {
                (self.method, self.path, self.body, self.headers, self.status, self.code) = (method, path, body, headers, status, code)
            }
        }
        let cases: [Case] = [
            Case("POST", "/v2/models/nope/infer", Self.inferBody(1), [:], 404, "deployment_not_found"),
            Case("POST", "/v2/models/echo/versions/9/infer", Self.inferBody(1), [:], 404, "version_not_found"),
            Case("POST", "/v2/models/echo/infer", Self.inferBody(1, shape: [2]), [:], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Self.inferBody(1, shape: [1, 1]), [:], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Self.inferBody(1, datatype: "INT32"), [:], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Self.inferBody(1, datatype: "COMPLEX"), [:], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Self.inferBody(1, name: "z"), [:], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Data(#"{"inputs": [{"name": "x", "#.utf8), [:], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Data(), [:], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Data("[1,2,3]".utf8), [:], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Self.inferBody(1), ["Inference-Header-Content-Length": "9999"], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Self.inferBody(1), ["Inference-Header-Content-Length": "ten"], 400, "invalid_input"),
            Case("POST", "/v2/models/echo/infer", Data(count: 2 << 20), [:], 413, "payload_too_large"),
            Case("GET", "/v2/models/nope", nil, [:], 404, "deployment_not_found"),
            Case("GET", "/no/such/route", nil, [:], 404, "not_found"),
        ]
        for item in cases {
            let (method, path, status, code) = (item.method, item.path, item.status, item.code)
            let (body, headers) = (item.body, item.headers)
            let (got, fields, data) = try await server.request(method, path, body: body, headers: headers)
            #expect(got == status, "\(method) \(path): \(String(decoding: data, as: UTF8.self))")
            #expect(LiveServer.errorCode(data) == code, "\(method) \(path): \(String(decoding: data, as: UTF8.self))")
            #expect(fields["content-type"] == "application/json")
        }
        let (status, _, data) = try await server.request("POST", "/v2/models/echo/infer", body: Self.inferBody(21))
        #expect(status == 200)
        let outputs = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["outputs"] as? [[String: Any]])
        #expect((outputs.first?["data"] as? [Any])?.first.map { "\($0)" } == "42.0" || (outputs.first?["data"] as? [Any])?.first.map { "\($0)" } == "42")
        await server.stop()
    }

    @Test func overloadIsRefusedWith503AndRetryAfterWhileQueuedWorkCompletes() async throws {
        let gate = Gate()
        let started = Shared(0)
        let server = try await LiveServer.start { try await $0.deploy(Self.echo(gate: gate, started: started, maxOngoing: 1, maxQueued: 2, concurrency: 1)) }
        // One running (blocked on the gate) and two queued fill the deployment.
        let admitted = (0..<3).map { _ in Task { try await server.request("POST", "/v2/models/echo/infer", body: Self.inferBody(-1)) } }
        let deployment = try await server.engine.deployment(named: "echo")
        while true {
            let queued = await deployment.queuedCount
            if started.value >= 1 && queued >= 2 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let (status, fields, data) = try await server.request("POST", "/v2/models/echo/infer", body: Self.inferBody(1))
        #expect(status == 503)
        #expect(fields["retry-after"] == "1")
        #expect(LiveServer.errorCode(data) == "queue_full")
        gate.open()
        for task in admitted { #expect(try await task.value.0 == 200) }
        #expect(try await server.request("POST", "/v2/models/echo/infer", body: Self.inferBody(1)).0 == 200)
        await server.stop()
    }

    @Test func aClientDisconnectCancelsItsWorkAndFreesTheSlot() async throws {
        let started = Shared(0), cancelled = Shared(0)
        let server = try await LiveServer.start {
            try await $0.deploy(Self.echo(started: started, cancelled: cancelled, maxOngoing: 1, maxQueued: 4, concurrency: 1))
        }
        let abandoned = Task { try await server.request("POST", "/v2/models/echo/infer", body: Self.inferBody(-1)) }
        while started.value < 1 { try await Task.sleep(for: .milliseconds(5)) }
        abandoned.cancel()
        while cancelled.value < 1 { try await Task.sleep(for: .milliseconds(5)) }
        // The only slot is free again: a new request is answered.
        let (status, _, _) = try await server.request("POST", "/v2/models/echo/infer", body: Self.inferBody(2))
        #expect(status == 200)
        await server.stop()
    }

    @Test func tokenGuardsEveryRouteButHealthMetricsAndTheDocument() async throws {
        let server = try await LiveServer.start(token: "s3cret") { try await $0.deploy(Self.echo()) }
        for path in ["/v2/health/live", "/v2/health/ready", "/metrics", "/openapi.yaml"] {
            #expect(try await server.request("GET", path).0 == 200, "\(path)")
        }
        let missing = try await server.request("GET", "/v2/models/echo")
        #expect(missing.0 == 401)
        #expect(LiveServer.errorCode(missing.2) == "unauthorized")
        #expect(try await server.request("GET", "/v2/models/echo", headers: ["Authorization": "Bearer s3cre"]).0 == 401)
        #expect(try await server.request("POST", "/v2/models/echo/infer", body: Self.inferBody(1), headers: ["Authorization": "Bearer wrong!"]).0 == 401)
        #expect(try await server.request("GET", "/v2/models/echo", headers: ["Authorization": "Bearer s3cret"]).0 == 200)
        #expect(try await server.request("POST", "/v2/models/echo/infer", body: Self.inferBody(1), headers: ["Authorization": "Bearer s3cret"]).0 == 200)
        await server.stop()
    }

    @Test func metricsCountRequestsBatchesAndQueueTime() async throws {
        let server = try await LiveServer.start { try await $0.deploy(Self.echo(name: "metered")) }
        for value in 1...3 { _ = try await server.request("POST", "/v2/models/metered/infer", body: Self.inferBody(Float(value))) }
        _ = try await server.request("POST", "/v2/models/metered/infer", body: Self.inferBody(1, shape: [3]))
        let text = String(decoding: try await server.request("GET", "/metrics").2, as: UTF8.self)
        #expect(text.contains(#"playhead_requests_total{deployment="metered",outcome="ok"} 3"#), "\(text.prefix(3000))")
        for family in ["playhead_queue_seconds_bucket", "playhead_compute_seconds_bucket", "playhead_batch_size_bucket",
                       "playhead_queue_depth", "playhead_replicas", "playhead_replica_utilisation"] {
            #expect(text.contains("\(family){deployment=\"metered\""), "\(family) missing")
        }
        await server.stop()
    }

    @Test func openAPIDocumentDescribesEveryRegisteredRoute() async throws {
        let engine = ServingEngine()
        let store = try SQLiteStore(path: try TestMedia.scratchDirectory().appendingPathComponent("store.db").path)
        let analysis = MediaAnalysis(store: store, factory: AnalyzerFactory(engine: engine, repository: LiveServer.repository))
        let sessions = SessionRuntime(engine: engine, store: store)
        let router = PlayheadHTTPServer(engine: engine, options: .init(), analysis: analysis, sessions: sessions).makeRouter()
        let document = try #require(try Yams.load(yaml: String(decoding: try await documentBody(), as: UTF8.self)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        #expect(!router.routes.isEmpty)
        for route in router.routes {
            let path = route.path.description.hasPrefix("/") ? route.path.description : "/" + route.path.description
            let operations = paths[path] as? [String: Any]
            #expect(operations?[route.method.rawValue.lowercased()] != nil, "\(route.method) \(path) is not in /openapi.yaml")
        }
        // The WebSocket route lives on the upgrade router.
        let webSocketRoutes = ["/v1/sessions"]
        #expect(paths.count == Set(router.routes.map(\.path.description)).count + webSocketRoutes.count,
                "the document lists routes the router does not have")
    }

    private func documentBody() async throws -> Data {
        let server = try await LiveServer.start { _ in }
        let body = try await server.request("GET", "/openapi.yaml").2
        await server.stop()
        return body
    }

    @Test func remoteHandleBehavesLikeALocalOne() async throws {
        let server = try await LiveServer.start { try await $0.deploy(Self.echo()) }
        let remote = DeploymentHandle.remote(server.baseURL, name: "echo")
        let local = try await server.engine.handle("echo")
        let request = InferenceRequest(id: "q", inputs: [TensorData(name: "x", shape: [1], floats: [4])])
        let viaHTTP = try await remote.infer(request)
        let inProcess = try await local.infer(request)
        #expect(viaHTTP.output(named: "y")?.floats() == [8])
        #expect(viaHTTP.output(named: "y") == inProcess.output(named: "y"))
        #expect(viaHTTP.id == "q")
        await #expect(throws: ServingError.self) {
            try await remote.infer(InferenceRequest(inputs: [TensorData(name: "x", shape: [2], floats: [1, 2])]))
        }
        do {
            _ = try await DeploymentHandle.remote(server.baseURL, name: "missing").infer(request)
            Issue.record("a missing remote deployment must fail")
        } catch {
            #expect(error.code == .deploymentNotFound)
        }
        await server.stop()
    }
}

@Suite struct GracefulShutdownTests {
    @Test func shutdownStopsAcceptingAndFinishesInFlightRequests() async throws {
        let gate = Gate()
        let started = Shared(0)
        let server = try await LiveServer.start { try await $0.deploy(HTTPBehaviourTests.echo(gate: gate, started: started)) }
        let inFlight = Task { try await server.request("POST", "/v2/models/echo/infer", body: HTTPBehaviourTests.inferBody(-3)) }
        while started.value < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let stopping = Task { await server.stop() }
        // Once the listener is closed, new connections are refused while the request is still held.
        var refused = false
        for _ in 0..<400 where !refused {
            refused = (try? await server.request("GET", "/v2/health/live")) == nil
            if !refused { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(refused)
        gate.open()
        let (status, _, data) = try await inFlight.value
        #expect(status == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("-6"))
        await stopping.value
    }
}
