import Foundation
import Serving
import Testing
import TestSupport

/// Autoscaling and rolling updates while callers keep sending requests: the replica set changes
/// under load and no request may fail.
@Suite(.timeLimit(.minutes(2))) struct ScalingAndUpdateTests {
    static let x = TensorSpec(name: "x", datatype: .fp32, shape: [1])

    /// Tallies of a load run.
    struct Tally: Sendable {
        var ok = 0
        var failures: [ServingError] = []
        var versions: [String: Int] = [:]
        /// Versions that answered requests sent after the update returned.
        var versionsAfterUpdate: [String: Int] = [:]
        var mismatched = 0
    }

    /// `callers` loops sending requests until `stop` is set; each checks that its answer is its own.
    static func load(_ deployment: Deployment, callers: Int, stop: Shared<Bool>, updated: Shared<Bool> = Shared(false),
                     tally: Shared<Tally>) async {
        await withDiscardingTaskGroup { group in
            for caller in 0..<callers {
                group.addTask {
                    var n = 0
                    while !stop.value {
                        let value = Float(caller * 100_000 + n)
                        n += 1
                        let after = updated.value
                        do {
                            let response = try await deployment.infer(InferenceRequest(inputs: [scalar("x", value)]))
                            let version = response.output(named: "version")?.text ?? "?"
                            tally.update { tally in
                                tally.ok += 1
                                tally.versions[response.modelVersion, default: 0] += 1
                                if after { tally.versionsAfterUpdate[response.modelVersion, default: 0] += 1 }
                                // The handler's own version and echo agree with the response's.
                                if version != response.modelVersion || response.float("y") != value { tally.mismatched += 1 }
                            }
                        } catch let error as ServingError {
                            tally.update { $0.failures.append(error) }
                        } catch {
                            tally.update { $0.failures.append(ServingError(.internal, "\(error)")) }
                        }
                    }
                }
            }
        }
    }

    static func versioned(_ version: String, replicas: Int = 2, autoscaling: AutoscalingPolicy? = nil,
                          work: Duration = .milliseconds(2)) -> DeploymentConfig {
        DeploymentConfig(name: "svc", version: version, replicas: replicas,
                         batching: .init(maxBatchSize: 2, maxWait: .milliseconds(1)), autoscaling: autoscaling,
                         backend: .handler(inputs: [Self.x], concurrency: 2) { request in
                             try await Task.sleep(for: work)
                             return [scalar("y", request.input(named: "x")?.floats()?.first ?? -1), .text("version", version)]
                         })
    }

    // MARK: - Autoscaling

    @Test func scalesUpUnderLoadAndBackDownWhenItStops() async throws {
        let policy = AutoscalingPolicy(minReplicas: 1, maxReplicas: 3, targetOngoingRequests: 2,
                                       upscaleDelay: .milliseconds(100), downscaleDelay: .milliseconds(300))
        let config = DeploymentConfig(name: "scaled", replicas: 1, batching: .init(maxBatchSize: 1), autoscaling: policy,
                                      backend: .handler(inputs: [Self.x], concurrency: 1) { request in
                                          try await Task.sleep(for: .milliseconds(5))
                                          return [scalar("y", request.input(named: "x")?.floats()?.first ?? -1), .text("version", "1")]
                                      })
        let running = try await RunningDeployment.start(config)
        #expect(await running.deployment.replicaCount == 1)

        let stop = Shared(false), tally = Shared(Tally())
        let load = Task { await Self.load(running.deployment, callers: 8, stop: stop, tally: tally) }
        // 8 callers on replicas that take one request at a time want 4 replicas at 2 each: capped at 3.
        let peaked = await eventually("scaled up to the maximum") { await running.deployment.replicaCount == 3 }
        stop.update { $0 = true }
        await load.value
        try #require(peaked)
        try #require(await eventually("scaled back down") { await running.deployment.replicaCount == 1 })

        #expect(tally.value.failures.isEmpty, "\(tally.value.failures)")
        #expect(tally.value.mismatched == 0)
        #expect(tally.value.ok > 0)
        #expect(await running.deployment.replicaVersions == ["1"])
        // Still serving after scaling down.
        #expect(await running.infer(InferenceRequest(inputs: [scalar("x", 7)])).response?.float("y") == 7)
        await running.stop()
    }

    // MARK: - Rolling update

    @Test func aRollingUpdateUnderLoadLosesNoRequest() async throws {
        let running = try await RunningDeployment.start(Self.versioned("1"))
        #expect(await running.deployment.replicaVersions == ["1", "1"])
        let stop = Shared(false), updated = Shared(false), tally = Shared(Tally())
        let load = Task { await Self.load(running.deployment, callers: 6, stop: stop, updated: updated, tally: tally) }

        try #require(await eventually("version 1 answers") { tally.value.versions["1", default: 0] >= 20 })
        try await running.deployment.update(to: Self.versioned("2"))
        updated.update { $0 = true }
        let afterwards = await eventually("answers after the update") { tally.value.versionsAfterUpdate.values.reduce(0, +) >= 30 }
        stop.update { $0 = true }
        await load.value
        try #require(afterwards)

        let result = tally.value
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.mismatched == 0)
        #expect(result.versions["1", default: 0] > 0 && result.versions["2", default: 0] > 0, "\(result.versions)")
        #expect(Set(result.versionsAfterUpdate.keys) == ["2"], "\(result.versionsAfterUpdate)")
        #expect(await running.deployment.replicaVersions == ["2", "2"])
        #expect(await running.deployment.config.version == "2")
        await running.stop()
    }

    @Test func aFailedUpdateKeepsTheOldVersionServingAndThrows() async throws {
        let running = try await RunningDeployment.start(Self.versioned("1"))
        var broken = Self.versioned("2")
        broken.backend = BackendFactory { () throws(ServingError) in throw ServingError(.unavailable, "model file missing") }

        let stop = Shared(false), tally = Shared(Tally())
        let load = Task { await Self.load(running.deployment, callers: 4, stop: stop, tally: tally) }
        try #require(await eventually { tally.value.ok >= 10 })
        let error = await #expect(throws: ServingError.self) { try await running.deployment.update(to: broken) }
        #expect(error?.message.contains("model file missing") == true)
        let before = tally.value.ok
        try #require(await eventually("still answering") { tally.value.ok >= before + 10 })
        stop.update { $0 = true }
        await load.value

        #expect(tally.value.failures.isEmpty, "\(tally.value.failures)")
        #expect(Set(tally.value.versions.keys) == ["1"])
        #expect(await running.deployment.replicaVersions == ["1", "1"])
        #expect(await running.deployment.config.version == "1")
        await running.stop()
    }

    /// The new version's second replica fails after its first has already replaced an old one: the
    /// rollback must leave the old version serving at its old size, not with fewer (or no) replicas.
    @Test(arguments: [1, 2])
    func anUpdateThatFailsHalfwayRollsBackToTheOldVersion(oldReplicas: Int) async throws {
        let running = try await RunningDeployment.start(Self.versioned("1", replicas: oldReplicas))
        let builds = Shared(0)
        var flaky = Self.versioned("2", replicas: 2)
        let good = flaky.backend
        flaky.backend = BackendFactory { () throws(ServingError) in
            if builds.update({ $0 += 1; return $0 }) >= 2 { throw ServingError(.unavailable, "out of memory") }
            return try await good.make()
        }
        let error = await #expect(throws: ServingError.self) { try await running.deployment.update(to: flaky) }
        #expect(error?.message.contains("out of memory") == true)
        #expect(await running.deployment.replicaVersions == Array(repeating: "1", count: oldReplicas))
        #expect(await running.deployment.config.version == "1")

        // Served by version 1 (a guard instead of a plain await: with no replica left it would never answer).
        let answer = Shared<Result<InferenceResponse, ServingError>?>(nil)
        let call = Task { let result = await running.infer(InferenceRequest(inputs: [scalar("x", 5)])); answer.update { $0 = result } }
        let answered = await eventually("answered after the rollback") { answer.value != nil }
        guard answered else {
            call.cancel()
            running.runner.cancel()
            return
        }
        #expect(answer.value?.response?.modelVersion == "1")
        await running.stop()
    }
}
