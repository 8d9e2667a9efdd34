import PlayheadCore
import Serving
import Testing

@Suite struct RouterTests {
    typealias Candidate = Router.Candidate

    func picks(_ candidates: [Candidate], trials: Int = 2000, seed: UInt64 = 1) -> [Int: Int] {
        var generator = SplitMix64(seed: seed)
        var counts: [Int: Int] = [:]
        for _ in 0..<trials {
            if let id = Router().pick(candidates, using: &generator) { counts[id, default: 0] += 1 }
        }
        return counts
    }

    @Test func noCandidateOrNoneOpenIsNil() {
        var generator = SplitMix64(seed: 7)
        #expect(Router().pick([], using: &generator) == nil)
        let closed = [Candidate(id: 0, outstanding: 0, canAccept: false), Candidate(id: 1, outstanding: 0, canAccept: false)]
        #expect(Router().pick(closed, using: &generator) == nil)
    }

    @Test func neverPicksAReplicaThatCannotAccept() {
        // The idle replicas are closed (busy batch slots or draining); only the loaded ones may be chosen.
        let candidates = [
            Candidate(id: 0, outstanding: 0, canAccept: false),
            Candidate(id: 1, outstanding: 9, canAccept: true),
            Candidate(id: 2, outstanding: 0, canAccept: false),
            Candidate(id: 3, outstanding: 4, canAccept: true),
            Candidate(id: 4, outstanding: 7, canAccept: true),
        ]
        let counts = picks(candidates)
        #expect(Set(counts.keys).isSubset(of: [1, 3, 4]), "picked \(counts)")
        #expect(counts.values.reduce(0, +) == 2000)
        let lone = [Candidate(id: 0, outstanding: 0, canAccept: false), Candidate(id: 5, outstanding: 100, canAccept: true)]
        #expect(picks(lone, trials: 50) == [5: 50])
    }

    @Test func withTwoOpenTheLessLoadedAlwaysWins() {
        let candidates = [
            Candidate(id: 10, outstanding: 5, canAccept: true),
            Candidate(id: 11, outstanding: 0, canAccept: false),
            Candidate(id: 12, outstanding: 3, canAccept: true),
        ]
        for seed in 1...5 as ClosedRange<UInt64> {
            #expect(picks(candidates, trials: 200, seed: seed) == [12: 200])
        }
    }

    @Test func theMostLoadedOfSeveralIsNeverPickedAndTheOthersShare() {
        // Any pair that contains the most loaded replica picks the other one, so it never wins;
        // every other replica wins some pairs (no herding onto one "least loaded").
        let candidates = [
            Candidate(id: 0, outstanding: 0, canAccept: true),
            Candidate(id: 1, outstanding: 5, canAccept: true),
            Candidate(id: 2, outstanding: 9, canAccept: true),
        ]
        let counts = picks(candidates)
        #expect(counts[2] == nil)
        #expect((counts[0] ?? 0) > 0 && (counts[1] ?? 0) > 0, "picked \(counts)")
        #expect((counts[0] ?? 0) > (counts[1] ?? 0))
    }
}

@Suite struct AutoscalingPolicyTests {
    let t0 = ContinuousClock.now
    func at(_ milliseconds: Int) -> ContinuousClock.Instant { t0.advanced(by: .milliseconds(milliseconds)) }

    let policy = AutoscalingPolicy(minReplicas: 1, maxReplicas: 4, targetOngoingRequests: 2,
                                   upscaleDelay: .seconds(1), downscaleDelay: .seconds(5))

    @Test func scalesUpOnlyOnceTheLoadHasLastedTheUpscaleDelay() {
        var state = AutoscalingPolicy.State()
        // 5 ongoing at 2 per replica wants ceil(2.5) = 3 replicas.
        #expect(policy.decide(current: 1, ongoing: 5, now: at(0), state: &state) == 1)
        #expect(policy.decide(current: 1, ongoing: 5, now: at(500), state: &state) == 1)
        #expect(policy.decide(current: 1, ongoing: 5, now: at(999), state: &state) == 1)
        #expect(policy.decide(current: 1, ongoing: 5, now: at(1000), state: &state) == 3)
        // The timer starts again after a change.
        #expect(policy.decide(current: 3, ongoing: 8, now: at(1001), state: &state) == 3)
        #expect(policy.decide(current: 3, ongoing: 8, now: at(2001), state: &state) == 4)
    }

    @Test func aBlipResetsTheUpscaleTimer() {
        var state = AutoscalingPolicy.State()
        #expect(policy.decide(current: 1, ongoing: 6, now: at(0), state: &state) == 1)
        #expect(policy.decide(current: 1, ongoing: 2, now: at(600), state: &state) == 1)  // load back on target
        #expect(policy.decide(current: 1, ongoing: 6, now: at(900), state: &state) == 1)  // timer restarts here
        #expect(policy.decide(current: 1, ongoing: 6, now: at(1500), state: &state) == 1)
        #expect(policy.decide(current: 1, ongoing: 6, now: at(1899), state: &state) == 1)
        #expect(policy.decide(current: 1, ongoing: 6, now: at(1900), state: &state) == 3)
    }

    @Test func scalesDownOneAtATimeAfterTheDownscaleDelay() {
        var state = AutoscalingPolicy.State()
        #expect(policy.decide(current: 4, ongoing: 0, now: at(0), state: &state) == 4)
        #expect(policy.decide(current: 4, ongoing: 0, now: at(4999), state: &state) == 4)
        #expect(policy.decide(current: 4, ongoing: 0, now: at(5000), state: &state) == 3)
        // The next removal waits a whole delay again, and still removes only one.
        #expect(policy.decide(current: 3, ongoing: 0, now: at(5001), state: &state) == 3)
        #expect(policy.decide(current: 3, ongoing: 0, now: at(9999), state: &state) == 3)
        #expect(policy.decide(current: 3, ongoing: 0, now: at(10001), state: &state) == 2)
        #expect(policy.decide(current: 2, ongoing: 0, now: at(10002), state: &state) == 2)
        #expect(policy.decide(current: 2, ongoing: 0, now: at(15002), state: &state) == 1)
        // At the minimum nothing more happens.
        #expect(policy.decide(current: 1, ongoing: 0, now: at(15003), state: &state) == 1)
        #expect(policy.decide(current: 1, ongoing: 0, now: at(60000), state: &state) == 1)
    }

    @Test func aBurstResetsTheDownscaleTimer() {
        var state = AutoscalingPolicy.State()
        #expect(policy.decide(current: 3, ongoing: 0, now: at(0), state: &state) == 3)
        #expect(policy.decide(current: 3, ongoing: 6, now: at(4000), state: &state) == 3)  // exactly on target
        #expect(policy.decide(current: 3, ongoing: 0, now: at(4500), state: &state) == 3)  // timer restarts here
        #expect(policy.decide(current: 3, ongoing: 0, now: at(9499), state: &state) == 3)
        #expect(policy.decide(current: 3, ongoing: 0, now: at(9500), state: &state) == 2)
    }

    @Test func clampsToMinAndMax() {
        var state = AutoscalingPolicy.State()
        // However heavy the load, no more than max.
        #expect(policy.decide(current: 2, ongoing: 1000, now: at(0), state: &state) == 2)
        #expect(policy.decide(current: 2, ongoing: 1000, now: at(1000), state: &state) == 4)
        #expect(policy.decide(current: 4, ongoing: 1000, now: at(3000), state: &state) == 4)
        // A count outside the bounds is brought back at once.
        var other = AutoscalingPolicy.State()
        #expect(policy.decide(current: 7, ongoing: 1000, now: at(0), state: &other) == 4)
        var fresh = AutoscalingPolicy.State()
        let floor2 = AutoscalingPolicy(minReplicas: 2, maxReplicas: 3, targetOngoingRequests: 1,
                                       upscaleDelay: .seconds(1), downscaleDelay: .seconds(1))
        #expect(floor2.decide(current: 0, ongoing: 0, now: at(0), state: &fresh) == 2)
        #expect(floor2.decide(current: 2, ongoing: 0, now: at(10_000), state: &fresh) == 2)
    }

    @Test func scalesToZeroWhenTheMinimumIsZero() {
        var state = AutoscalingPolicy.State()
        let toZero = AutoscalingPolicy(minReplicas: 0, maxReplicas: 2, targetOngoingRequests: 1,
                                       upscaleDelay: .milliseconds(100), downscaleDelay: .milliseconds(300))
        #expect(toZero.decide(current: 1, ongoing: 0, now: at(0), state: &state) == 1)
        #expect(toZero.decide(current: 1, ongoing: 0, now: at(300), state: &state) == 0)
        // One queued request brings a replica back after the upscale delay.
        #expect(toZero.decide(current: 0, ongoing: 1, now: at(400), state: &state) == 0)
        #expect(toZero.decide(current: 0, ongoing: 1, now: at(500), state: &state) == 1)
    }
}
