import Foundation
@testable import Serving
import Testing
import TestSupport

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

    /// Judged on samples, not on time: on a loaded machine the window may pass with too few requests,
    /// so the patience is long (it only matters when the machine is slow).
    static let policy = CanaryPolicy(share: 0.25, window: .milliseconds(400), minRequests: 20, maxErrorRateIncrease: 0.05, maxP99Ratio: 3,
                                     patience: .seconds(60))

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
        // Enough answers after the update to say which version serves (polling, not timing).
        _ = await eventually("answers after the update") { tally.value.versionsAfterUpdate.values.reduce(0, +) >= 10 }
        stop.update { $0 = true }
        await load.value
        let final = tally.value
        return (outcome, final.versions, final.failures.count, Set(final.versionsAfterUpdate.keys))
    }

    @Test func aHealthyCanaryIsPromotedWithoutAFailedRequest() async throws {
        let running = try await RunningDeployment.start(Self.svc("1"))
        // Equal versions: the latency limit is off so a scheduling hiccup on a busy machine cannot
        // decide the verdict (the latency rule has its own test below).
        var lenient = Self.policy
        lenient.maxP99Ratio = 1000
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

    /// The latency rule on fixed samples: end-to-end latencies on a shared test machine are too noisy
    /// to decide a test, so the verdict is checked on its own.
    @Test func theVerdictComparesErrorRatesAndP99() {
        func stats(requests: Int, failures: Int, latency: (Int) -> Duration) -> CanaryState.Stats {
            var stats = CanaryState.Stats()
            stats.requests = requests
            stats.failures = failures
            stats.latencies = (0..<requests).map(latency)
            return stats
        }
        let policy = CanaryPolicy(minRequests: 50, maxErrorRateIncrease: 0.01, maxP99Ratio: 1.2)
        // Old: 1 % errors, p99 10 ms (99 of 100 samples at most 10 ms).
        let stable = stats(requests: 100, failures: 1) { $0 == 99 ? .milliseconds(50) : .milliseconds(10 - $0 % 3) }
        let same = stats(requests: 100, failures: 1) { $0 == 99 ? .milliseconds(50) : .milliseconds(10 - $0 % 3) }
        #expect(policy.verdict(candidate: same, stable: stable) == nil)
        let slower = stats(requests: 100, failures: 1) { _ in .milliseconds(13) }
        #expect(policy.verdict(candidate: slower, stable: stable)?.contains("p99") == true)
        let slightlySlower = stats(requests: 100, failures: 1) { _ in .milliseconds(11) }
        #expect(policy.verdict(candidate: slightlySlower, stable: stable) == nil)
        let failing = stats(requests: 100, failures: 3) { _ in .milliseconds(10) }
        #expect(policy.verdict(candidate: failing, stable: stable)?.contains("error rate") == true)
        let tooFew = stats(requests: 49, failures: 0) { _ in .milliseconds(1) }
        #expect(policy.verdict(candidate: tooFew, stable: stable)?.contains("fewer than") == true)
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
