import Foundation
import Serving
import Testing

/// Canary updates: the new version gets a share of traffic, is compared with the old one, and is
/// promoted or rolled back.
@Suite(.timeLimit(.minutes(2))) struct CanaryTests {
    static let x = TensorSpec(name: "x", datatype: .fp32, shape: [1])

    /// Version `version` answering `y = x`; `fails` makes every answer an error, `work` is its compute time.
    static func svc(_ version: String, fails: Bool = false, work: Duration = .milliseconds(5)) -> DeploymentConfig {
        DeploymentConfig(name: "svc", version: version, replicas: 2, batching: .init(maxBatchSize: 1),
                         backend: .handler(inputs: [Self.x], concurrency: 2) { request in
                             try await Task.sleep(for: work)
                             if fails { throw ServingError(.inferenceFailed, "version \(version) is broken") }
                             return [scalar("y", request.input(named: "x")?.floats()?.first ?? -1)]
                         })
    }

    static let policy = CanaryPolicy(share: 0.25, window: .milliseconds(400), minRequests: 20, maxErrorRateIncrease: 0.05, maxP99Ratio: 3)

    /// Runs `update` while 6 callers send requests; returns its outcome and the versions that answered.
    static func updateUnderLoad(_ running: RunningDeployment, to config: DeploymentConfig, policy: CanaryPolicy = policy) async throws
        -> (outcome: UpdateOutcome, versions: [String: Int], failures: Int, versionsAfter: Set<String>) {
        let stop = Shared(false), tally = Shared(ScalingAndUpdateTests.Tally()), updated = Shared(false)
        let load = Task {
            await withDiscardingTaskGroup { group in
                for caller in 0..<6 {
                    group.addTask {
                        var n = 0
                        while !stop.value {
                            n += 1
                            let after = updated.value
                            let result = await running.infer(InferenceRequest(inputs: [scalar("x", Float(caller * 10_000 + n))]))
                            tally.update { tally in
                                switch result {
                                case .success(let response):
                                    tally.ok += 1
                                    tally.versions[response.modelVersion, default: 0] += 1
                                    if after { tally.versionsAfterUpdate[response.modelVersion, default: 0] += 1 }
                                case .failure(let error): tally.failures.append(error)
                                }
                            }
                        }
                    }
                }
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        let outcome = try await running.deployment.update(to: config, canary: policy)
        updated.update { $0 = true }
        try await Task.sleep(for: .milliseconds(200))
        stop.update { $0 = true }
        await load.value
        let final = tally.value
        return (outcome, final.versions, final.failures.count, Set(final.versionsAfterUpdate.keys))
    }

    @Test func aHealthyCanaryIsPromotedWithoutAFailedRequest() async throws {
        let running = try await RunningDeployment.start(Self.svc("1"))
        // Equal versions: a lenient latency limit keeps a scheduling hiccup on a busy machine from
        // deciding the verdict (the latency check has its own test below).
        var lenient = Self.policy
        lenient.maxP99Ratio = 20
        let (outcome, versions, failures, after) = try await Self.updateUnderLoad(running, to: Self.svc("2"), policy: lenient)
        #expect(outcome == .promoted)
        #expect(failures == 0)
        // While watched, the canary took some traffic but not all of it.
        #expect((versions["1"] ?? 0) > 0 && (versions["2"] ?? 0) > 0)
        #expect(after == ["2"])
        #expect(await running.deployment.config.version == "2")
        await running.stop()
    }

    @Test func aFailingCanaryIsRolledBackAndTheOldVersionKeepsServing() async throws {
        let running = try await RunningDeployment.start(Self.svc("1"))
        let (outcome, versions, failures, after) = try await Self.updateUnderLoad(running, to: Self.svc("2", fails: true))
        guard case .rolledBack(let reason) = outcome else {
            Issue.record("expected a rollback, got \(outcome)")
            return
        }
        #expect(reason.contains("error rate"), "\(reason)")
        // Only the canary's share failed, and only while it was watched.
        #expect(failures > 0)
        #expect((versions["1"] ?? 0) > failures)
        #expect(after == ["1"])
        #expect(await running.deployment.config.version == "1")
        #expect(await running.deployment.replicaVersions == ["1", "1"])
        await running.stop()
    }

    @Test func aSlowCanaryIsRolledBackOnP99() async throws {
        let running = try await RunningDeployment.start(Self.svc("1"))
        let (outcome, _, failures, after) = try await Self.updateUnderLoad(running, to: Self.svc("2", work: .milliseconds(60)))
        guard case .rolledBack(let reason) = outcome else {
            Issue.record("expected a rollback, got \(outcome)")
            return
        }
        #expect(reason.contains("p99"), "\(reason)")
        #expect(failures == 0)
        #expect(after == ["1"])
        await running.stop()
    }

    @Test func invalidCanaryPoliciesAreRejected() async throws {
        let running = try await RunningDeployment.start(Self.svc("1"))
        for policy in [CanaryPolicy(share: 0), CanaryPolicy(share: 1), CanaryPolicy(maxP99Ratio: 0.5)] {
            await #expect(throws: ServingError.self) { try await running.deployment.update(to: Self.svc("2"), canary: policy) }
        }
        #expect(await running.deployment.config.version == "1")
        await running.stop()
    }
}
