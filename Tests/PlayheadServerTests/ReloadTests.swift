import Foundation
import Logging
import PlayheadServer
import Serving
import Testing
import TestSupport

/// Reloading `playhead.yaml` on a live server: a changed deployment rolls to its new version over HTTP
/// load with no failed request.
@Suite struct ReloadTests {
    static func yaml(version: String, canary: Bool = false) -> String {
        """
        deployments:
          - name: nudenet
            model: nudenet-320n
            version: "\(version)"
            replicas: 1
            hint: latency
            input_shapes: {images: [1, 3, 320, 320]}
        """ + (canary ? "\n    canary: {share: 0.3, window_s: 0.5, min_requests: 5, max_error_rate_increase: 0.05, max_p99_ratio: 1000, patience_s: 60}\n" : "\n")
    }

    /// A live server with the deployments of `yaml` (written to `file`) and a reloader watching the file.
    static func serve(_ yaml: String, at file: URL) async throws -> (LiveServer, ConfigReloader) {
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let initial = try ServerConfig.load(path: file.path)
        let server = try await LiveServer.start { engine in
            for declared in initial.deployments {
                try await engine.deploy(ServerConfig.deploymentConfig(declared, repository: LiveServer.repository, core: LiveServer.core))
            }
        }
        let reloader = ConfigReloader(path: file.path, loaded: initial, engine: server.engine, repository: LiveServer.repository,
                                      core: LiveServer.core, logger: Logger(label: "reload-test"))
        return (server, reloader)
    }

    @Test(arguments: [false, true])
    func aChangedVersionRollsOverUnderLoadWithoutFailures(canary: Bool) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (server, reloader) = try await Self.serve(Self.yaml(version: "1"), at: scratch)
        #expect(await reloader.reload() == ["nudenet": .unchanged])

        let body = Data(#"{"inputs":[{"name":"images","shape":[1,3,320,320],"datatype":"FP32","parameters":{"binary_data_size":1228800}}]}"#.utf8)
        let header = body.count
        let request = body + Data(count: 1_228_800)
        let stop = Shared(false)
        let outcomes = Shared<(ok: [String: Int], failed: [String])>(([:], []))
        let load = Task {
            await withDiscardingTaskGroup { group in
                for _ in 0..<3 {
                    group.addTask {
                        while !stop.value {
                            do {
                                let (status, fields, data) = try await server.request("POST", "/v2/models/nudenet/infer", body: request,
                                                                                      headers: ["Inference-Header-Content-Length": "\(header)"])
                                let length = Int(fields["inference-header-content-length"] ?? "") ?? data.count
                                let json = try? JSONSerialization.jsonObject(with: data.prefix(length)) as? [String: Any]
                                let version = json?["model_version"] as? String ?? "?"
                                outcomes.update { status == 200 ? ($0.ok[version, default: 0] += 1) : $0.failed.append("\(status)") }
                            } catch {
                                outcomes.update { $0.failed.append("\(error)") }
                            }
                        }
                    }
                }
            }
        }
        // Version 1 must have answered before the update and version 2 after it; waiting for that (not a
        // fixed time) keeps the test true on a slow or busy machine.
        await eventually("version 1 answers") { outcomes.value.ok["1", default: 0] > 0 || !outcomes.value.failed.isEmpty }
        try Self.yaml(version: "2", canary: canary).write(to: scratch, atomically: true, encoding: .utf8)
        let changes = await reloader.reload()
        #expect(changes == ["nudenet": .updated], "load so far: \(outcomes.value.ok)")
        await eventually("version 2 answers") { outcomes.value.ok["2", default: 0] > 0 || !outcomes.value.failed.isEmpty }
        stop.update { $0 = true }
        await load.value
        let (ok, failed) = outcomes.value
        #expect(failed.isEmpty, "\(failed.prefix(3))")
        #expect((ok["1"] ?? 0) > 0 && (ok["2"] ?? 0) > 0, "\(ok)")
        let deployment = try await server.engine.deployment(named: "nudenet")
        #expect(await deployment.replicaVersions == ["2"])
        // A broken file changes nothing.
        try "deployments: [{name: nudenet}]".write(to: scratch, atomically: true, encoding: .utf8)
        #expect(await reloader.reload().isEmpty)
        #expect(await deployment.config.version == "2")
        await server.stop()
    }

    /// A deployment dropped from the file is removed: its name answers 404 at once, the others keep serving.
    @Test func aDeploymentLeftOutOfTheFileIsRemoved() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let faces = """

              - name: faces
                model: blazeface-short
                replicas: 1
            """
        let (server, reloader) = try await Self.serve(Self.yaml(version: "1") + faces, at: scratch)
        try "deployments:\(faces)\n".write(to: scratch, atomically: true, encoding: .utf8)
        #expect(await reloader.reload() == ["nudenet": .removed, "faces": .unchanged])
        #expect(try await server.request("GET", "/v2/models/nudenet/ready").0 == 404)
        #expect(try await server.request("GET", "/v2/models/faces/ready").0 == 200)
        #expect(await server.engine.names == ["faces"])
        await server.stop()
    }
}
