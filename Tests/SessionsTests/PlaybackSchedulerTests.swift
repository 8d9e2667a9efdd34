import PlayheadCore
import Sessions
import Testing

// Every test drives the scheduler with explicit wall times; nothing sleeps or reads a clock.

typealias Scheduler = PlaybackScheduler<String, String>
typealias Item = WorkItem<String, String>

private func ms(_ milliseconds: Int) -> Duration { .milliseconds(milliseconds) }

private func scheduler(
    workers: Int = 100,
    utilization: Double = 0.9,
    cap: Int = 100,
    quantum: Duration = .zero,
    serviceTime: Duration = ms(10)
) -> Scheduler {
    Scheduler(configuration: .init(
        workers: workers, targetUtilization: utilization, maxInFlightPerSession: cap,
        fairnessQuantum: quantum, serviceTimes: ServiceTimeEstimator(fallback: serviceTime)
    ))
}

private func request(fps: Int64 = 10, features: [String] = ["det"], lookahead: Duration = .seconds(1)) -> SessionRequest<String> {
    SessionRequest(features: features, fps: Rational(fps, 1), lookahead: lookahead)
}

extension Array where Element == Scheduler.Action {
    var dispatched: [Item] { flatMap { action -> [Item] in if case .dispatch(let items) = action { items } else { [] } } }
    var dropped: [Item] { flatMap { action -> [Item] in if case .drop(let items) = action { items } else { [] } } }
    var cancelled: [WorkItemID] { flatMap { action -> [WorkItemID] in if case .cancel(let ids) = action { ids } else { [] } } }
    var memoized: [FrameKey<String>] {
        flatMap { action -> [FrameKey<String>] in if case .sendMemoized(_, let keys) = action { keys } else { [] } }
    }
    var batchSlots: Int { reduce(0) { total, action in if case .grantBatch(let slots) = action { total + slots } else { total } } }
    var refusal: SessionRefusal? {
        compactMap { action -> SessionRefusal? in if case .refuse(_, let refusal) = action { refusal } else { nil } }.first
    }
}

@Suite struct PlaybackClockTests {
    @Test func positionFollowsPlayPauseSeekAndRate() {
        var clock = PlaybackClock(at: ms(0))
        #expect(clock.position(at: ms(500)) == .zero)
        #expect(clock.displayTime(of: .seconds(1)) == nil)

        clock.play(from: .seconds(2), rate: 1, at: ms(1000))
        #expect(clock.position(at: ms(1500)) == ms(2500))
        #expect(clock.displayTime(of: .seconds(3)) == ms(2000))

        clock.play(from: .seconds(2), rate: 2, at: ms(1000))
        #expect(clock.position(at: ms(1500)) == ms(3000))
        #expect(clock.displayTime(of: .seconds(3)) == ms(1500))

        clock.seek(to: .seconds(10), at: ms(2000))
        #expect(clock.isPlaying)
        #expect(clock.position(at: ms(2500)) == .seconds(11))

        clock.pause(at: .seconds(11), now: ms(2500))
        #expect(clock.position(at: .seconds(100)) == .seconds(11))

        clock.play(from: .seconds(11), rate: -1, at: ms(3000))
        #expect(!clock.isPlaying)
    }
}

@Suite struct ServiceTimeEstimatorTests {
    @Test func movesTowardsObservedDurations() {
        var estimator = ServiceTimeEstimator<String>(initial: ["ocr": ms(100)], fallback: ms(50), smoothing: 0.5)
        #expect(estimator.estimate(for: "det") == ms(50))
        estimator.record(ms(200), for: "ocr")
        #expect(estimator.estimate(for: "ocr") == ms(150))
        estimator.record(ms(150), for: "ocr")
        #expect(estimator.estimate(for: "ocr") == ms(150))
    }

    @Test func completionsUpdateDeadlines() {
        var s = scheduler(serviceTime: ms(10))
        _ = s.open("a", request(), now: .zero)
        let first = s.next(now: .zero, capacity: 1).dispatched[0]
        s.completed(first.id, duration: ms(110))
        // EWMA with the default smoothing 0.2: 0.8 × 10 ms + 0.2 × 110 ms = 30 ms.
        let estimate = s.serviceTimes.estimate(for: "det")
        #expect(estimate > ms(30) - .microseconds(1) && estimate < ms(30) + .microseconds(1))
        let queued = s.queuedItems(of: "a", now: .zero)
        #expect(queued.allSatisfy { $0.deadline == $0.displayTime - estimate })
    }
}

@Suite struct PlaybackSchedulerTests {
    @Test func ordersEarliestDeadlineFirstAcrossSessions() {
        var s = scheduler()
        _ = s.open("a", request(), now: .zero)
        _ = s.open("b", request(), now: .zero)
        _ = s.play("a", from: .zero, now: .zero)
        // b is 50 ms ahead, so its frames fall due between a's.
        _ = s.play("b", from: ms(50), now: .zero)
        let items = s.next(now: .zero, capacity: 6).dispatched
        #expect(items.map(\.session) == ["b", "a", "b", "a", "b", "a"])
        #expect(items.map(\.displayTime) == [50, 100, 150, 200, 250, 300].map(ms))
        #expect(items.allSatisfy { $0.deadline == $0.displayTime - ms(10) })
    }

    @Test func dropsItemsThatCanNoLongerMeetTheirDeadline() {
        var s = scheduler(serviceTime: ms(80))
        _ = s.open("a", request(), now: .zero)
        let atStart = s.play("a", from: .zero, now: .zero) + s.next(now: .zero, capacity: 1)
        // Frame 0 is on screen now; it cannot be computed in time.
        #expect(atStart.dropped.map(\.frameIndex) == [0])
        let inFlight = atStart.dispatched
        #expect(inFlight.map(\.frameIndex) == [1])

        let later = s.next(now: ms(250), capacity: 5)
        // Frames 2 (due 200 ms) and 3 (due 300 ms, start by 220 ms) are late; frame 1 is on screen
        // already, so its computation is aborted.
        #expect(later.dropped.map(\.frameIndex) == [2, 3])
        #expect(later.cancelled == inFlight.map(\.id))
        #expect(later.dispatched.map(\.frameIndex) == [4, 5, 6, 7, 8])
        #expect(later.dispatched.allSatisfy { $0.deadline >= ms(250) })
    }

    @Test func seekForwardCancelsStaleWorkAndQueuesTheNewPositionFirst() {
        var s = scheduler()
        _ = s.open("a", request(), now: .zero)
        _ = s.play("a", from: .zero, now: .zero)
        let inFlight = s.next(now: .zero, capacity: 3).dispatched
        #expect(inFlight.map(\.frameIndex) == [1, 2, 3])

        let seek = s.seek("a", to: ms(5020), now: ms(50))
        #expect(Set(seek.cancelled) == Set(inFlight.map(\.id)))
        // Moving away is not missing: the skipped frames are forgotten, not reported.
        #expect(seek.dropped.isEmpty)
        #expect(s.queuedItems(of: "a", now: ms(50)).map(\.frameIndex) == Array(51...60))
        #expect(s.inFlightItems.isEmpty)
        #expect(s.next(now: ms(50), capacity: 1).dispatched.map(\.frameIndex) == [51])
    }

    @Test func seekBackwardCancelsWorkOutsideTheNewWindow() {
        var s = scheduler()
        _ = s.open("a", request(), now: .zero)
        _ = s.play("a", from: .seconds(10), now: .zero)
        let inFlight = s.next(now: .zero, capacity: 3).dispatched
        #expect(inFlight.map(\.frameIndex) == [101, 102, 103])

        let seek = s.seek("a", to: ms(2020), now: ms(50))
        #expect(Set(seek.cancelled) == Set(inFlight.map(\.id)))
        #expect(seek.dropped.isEmpty)
        #expect(s.queuedItems(of: "a", now: ms(50)).map(\.frameIndex) == Array(21...30))
        let next = s.next(now: ms(50), capacity: 2).dispatched
        #expect(next.map(\.frameIndex) == [21, 22])
        #expect(next[0].displayTime == ms(130))
    }

    @Test func seekKeepsInFlightWorkThatIsStillAhead() {
        var s = scheduler()
        _ = s.open("a", request(), now: .zero)
        _ = s.play("a", from: .zero, now: .zero)
        let inFlight = s.next(now: .zero, capacity: 6).dispatched
        #expect(inFlight.map(\.frameIndex) == [1, 2, 3, 4, 5, 6])
        let seek = s.seek("a", to: ms(320), now: ms(20))
        #expect(seek.cancelled == inFlight.prefix(3).map(\.id))
        #expect(s.inFlightItems.map(\.frameIndex) == [4, 5, 6])
    }

    @Test func pausedFramesAreNeverDroppedAndPlayResumesFromThePausePosition() {
        var s = scheduler()
        _ = s.open("a", request(), now: .zero)
        _ = s.play("a", from: .zero, now: .zero)
        _ = s.next(now: .zero, capacity: 0)
        let pause = s.pause("a", at: .seconds(1), now: .seconds(1))
        #expect(s.queuedItems(of: "a", now: .seconds(1)).first?.frameIndex == 10)

        // Long after the pause, nothing is late: the frame on screen leads, due now, and the frames after
        // it a grace period later.
        let idle = s.next(now: .seconds(5), capacity: 0)
        #expect(idle.dropped.isEmpty)
        let queued = s.queuedItems(of: "a", now: .seconds(5))
        #expect(queued.map(\.frameIndex) == Array(10...20))
        #expect(queued[0].displayTime == .seconds(5))
        #expect(queued[1].displayTime == .seconds(5) + ms(250) + ms(100))
        // Pausing first reports what playback missed until then, frame 10 included.
        #expect(pause.dropped.map(\.frameIndex) == Array(1...10))

        let play = s.play("a", from: .seconds(1), now: .seconds(5))
        // Frame 10 is on screen the moment playback resumes, too late to compute.
        #expect(play.dropped.map(\.frameIndex) == [10])
        let resumed = s.next(now: .seconds(5), capacity: 2).dispatched
        #expect(resumed.map(\.frameIndex) == [11, 12])
        #expect(resumed.map(\.displayTime) == [ms(5100), ms(5200)])
    }

    @Test func theFrameOnScreenAfterASeekGoesAheadOfOtherSessionsImminentFrames() {
        var s = scheduler(serviceTime: ms(10))
        _ = s.open("playing", request(), now: .zero)
        _ = s.play("playing", from: .zero, now: .zero)
        _ = s.open("sought", request(), now: .zero)
        _ = s.pause("sought", at: .seconds(5), now: .zero)

        // Frame 1 of the playing session is due in 100 ms; the paused one's frame on screen is due now.
        #expect(s.next(now: .zero, capacity: 1).dispatched.map { "\($0.session) \($0.frameIndex)" } == ["sought 50"])
        // Its next frame waits out the grace period behind the playing session's.
        #expect(s.next(now: .zero, capacity: 1).dispatched.map { "\($0.session) \($0.frameIndex)" } == ["playing 1"])
    }

    @Test func capsInFlightItemsPerSession() {
        var s = scheduler(cap: 2)
        _ = s.open("a", request(), now: .zero)
        let first = s.next(now: .zero, capacity: 5)
        #expect(first.dispatched.map(\.frameIndex) == [0, 1])
        #expect(first.batchSlots == 3)
        #expect(s.next(now: .zero, capacity: 3).dispatched.isEmpty)

        s.completed(first.dispatched[0].id, duration: ms(10))
        #expect(s.next(now: .zero, capacity: 3).dispatched.map(\.frameIndex) == [2])
    }

    @Test(arguments: [
        (cap: 1, quantum: Duration.zero),
        (cap: 100, quantum: ms(100)),
        (cap: 1, quantum: ms(50)),
    ])
    func heavySessionDoesNotStarveALightOne(cap: Int, quantum: Duration) {
        let light = simulateHeavyAndLight(cap: cap, quantum: quantum)
        #expect(light.computed > 0)
        #expect(light.missed == 0)
    }

    /// Without a cap or round-robin, strict EDF lets the heavy session's earlier deadlines take
    /// every worker: the control showing the fairness test can fail.
    @Test func strictEarliestDeadlineFirstStarvesTheLightSession() {
        let light = simulateHeavyAndLight(cap: 100, quantum: .zero)
        #expect(light.computed == 0)
        #expect(light.missed > 0)
    }

    @Test func admissionRefusesAndOffersTheLargestFPSThatFits() {
        // Two workers, 125 ms per frame: 16 frames per second in all.
        var s = scheduler(workers: 2, utilization: 1, serviceTime: ms(125))
        #expect(s.open("a", request(fps: 8), now: .zero).first == .accepted("a"))
        let refused = s.open("b", request(fps: 10), now: .zero)
        #expect(refused.refusal == .overCapacity(requestedFPS: Rational(10, 1), offeredFPS: Rational(8, 1)))
        #expect(s.queuedItems(of: "b", now: .zero).isEmpty)
        #expect(s.play("b", from: .zero, now: .zero).isEmpty)

        #expect(s.open("b", request(fps: 8), now: .zero).refusal == nil)
        #expect(s.open("c", request(fps: 1), now: .zero).refusal == .overCapacity(requestedFPS: Rational(1, 1), offeredFPS: nil))
        #expect(s.open("b", request(fps: 1), now: .zero).refusal == .alreadyOpen)
        #expect(s.open("d", request(features: []), now: .zero).refusal == .invalidRequest("no features"))
    }

    /// A measured service time replaces the guess admission went by: the same request fits before and not after.
    @Test func aCalibratedServiceTimeDecidesAdmission() {
        var s = scheduler(workers: 2, utilization: 1, serviceTime: ms(20))
        #expect(s.open("a", request(fps: 10), now: .zero).first == .accepted("a"))
        s.calibrate("det", serviceTime: ms(125))
        #expect(s.open("b", request(fps: 10), now: .zero).refusal == .overCapacity(requestedFPS: Rational(10, 1), offeredFPS: Rational(6, 1)))
    }

    /// Once CPU costs are known, admission charges CPU time against the cores, whatever the worker count.
    @Test func admissionChargesCPUTimeOnceCostsAreKnown() {
        var s = scheduler(workers: 100, utilization: 1, serviceTime: ms(500))
        // Two cores; 10 ms to decode a frame plus 40 ms of "det": half a core at 10 fps.
        s.setAdmissionCosts(AdmissionCosts(capacity: 2, perFrame: ms(10), perItem: ["det": ms(40)]))
        for name in ["a", "b", "c"] { #expect(s.open(name, request(fps: 10), now: .zero).first == .accepted(name)) }
        #expect(abs(s.demand - 1.5) < 1e-9)
        #expect(s.open("d", request(fps: 12), now: .zero).refusal == .overCapacity(requestedFPS: Rational(12, 1), offeredFPS: Rational(10, 1)))
        // A feature without a CPU figure is charged its service time (500 ms), not admitted on the 100 workers.
        #expect(s.open("e", request(fps: 1, features: ["ocr"]), now: .zero).refusal == .overCapacity(requestedFPS: Rational(1, 1), offeredFPS: nil))
        #expect(s.open("d", request(fps: 10), now: .zero).first == .accepted("d"), "exactly the half core left")
        #expect(s.open("e", request(fps: 1), now: .zero).refusal == .overCapacity(requestedFPS: Rational(1, 1), offeredFPS: nil))
    }

    /// The CPU time check scales every cost: work the bursts did not itemise counts against admission.
    @Test func measuredCPUTimeScalesAdmissionCosts() {
        var costs = AdmissionCosts<String>(capacity: 2, perFrame: ms(10), perItem: ["det": ms(40)])
        #expect(10 * costs.perFrame(["det"]) { _ in ms(500) } == 0.5)
        #expect(10 * costs.perFrame(["det", "ocr"]) { _ in ms(50) } == 1.0)
        costs.observe(measured: .seconds(3), predicted: .seconds(2), smoothing: 1)
        #expect(costs.scale == 1.5)
        costs.observe(measured: .seconds(100), predicted: .seconds(1), smoothing: 1)
        #expect(costs.scale == 4, "one odd window is bounded")
        costs.observe(measured: .seconds(1), predicted: .zero)
        #expect(costs.scale == 4, "nothing predicted, nothing learnt")
        costs.observe(measured: .seconds(1), predicted: .seconds(1), smoothing: 0.5)
        #expect(costs.scale == 2.5)

        var s = scheduler(workers: 100, utilization: 1)
        s.setAdmissionCosts(costs)
        // 2.5 × 0.5 core: one session at 10 fps fits in two cores, a second only at 6 fps.
        #expect(s.open("a", request(fps: 10), now: .zero).first == .accepted("a"))
        #expect(s.open("b", request(fps: 10), now: .zero).refusal == .overCapacity(requestedFPS: Rational(10, 1), offeredFPS: Rational(6, 1)))
    }

    @Test func batchOnlyGetsCapacityNoInteractiveItemCanUse() {
        var s = scheduler(cap: 4)
        _ = s.open("a", request(lookahead: ms(250)), now: .zero)
        // Frames 0, 1 and 2 are in the window: three interactive items for five workers.
        let spare = s.next(now: .zero, capacity: 5)
        #expect(spare.dispatched.count == 3)
        #expect(spare.batchSlots == 2)

        _ = s.seek("a", to: .seconds(10), now: .zero)
        // Three new frames, one worker free: interactive work takes it.
        let busy = s.next(now: .zero, capacity: 1)
        #expect(busy.dispatched.count == 1)
        #expect(busy.batchSlots == 0)
        let rest = s.next(now: .zero, capacity: 3)
        #expect(rest.dispatched.count == 2)
        #expect(rest.batchSlots == 1)
    }

    @Test func closeFreesEverything() {
        var s = scheduler(workers: 1, utilization: 1, serviceTime: ms(100))
        _ = s.open("a", request(fps: 10), now: .zero)
        let inFlight = s.next(now: .zero, capacity: 2).dispatched
        #expect(s.open("b", request(fps: 1), now: .zero).refusal != nil)

        #expect(s.close("a") == [.cancel(inFlight.map(\.id))])
        #expect(s.inFlightItems.isEmpty)
        #expect(s.demand == 0)
        s.completed(inFlight[0].id, duration: ms(100))
        let after = s.next(now: .zero, capacity: 2)
        #expect(after.dispatched.isEmpty)
        #expect(after.batchSlots == 2)
        #expect(s.open("b", request(fps: 10), now: .zero).first == .accepted("b"))
    }

    @Test func memoizedFramesAreSentAndNeverDispatched() {
        var s = scheduler()
        _ = s.open("a", request(lookahead: .seconds(1)), now: .zero)
        let keys = [1, 2, 15].map { FrameKey(index: $0, feature: "det") }
        let stored = s.memoized("a", keys)
        // Frame 15 is beyond the window: sent when playback reaches it.
        #expect(stored.memoized == Array(keys.prefix(2)))

        var dispatched = s.next(now: .zero, capacity: 20).dispatched.map(\.frameIndex)
        #expect(dispatched == [0] + Array(3...10))
        _ = s.play("a", from: .zero, now: .zero)
        let later = s.next(now: ms(600), capacity: 20)
        #expect(later.memoized == [keys[2]])
        dispatched += later.dispatched.map(\.frameIndex)
        #expect(!dispatched.contains(1) && !dispatched.contains(2) && !dispatched.contains(15))
    }

    @Test func memoizingAnInFlightFrameCancelsItsComputation() {
        var s = scheduler()
        _ = s.open("a", request(), now: .zero)
        let item = s.next(now: .zero, capacity: 1).dispatched[0]
        let stored = s.memoized("a", [item.key])
        #expect(stored.cancelled == [item.id])
        #expect(stored.memoized == [item.key])
        #expect(s.inFlightItems.isEmpty)
    }
}

/// Two workers serving a heavy session (10 features at 10 fps) and a light one (1 feature at
/// 10 fps, 50 ms out of phase), each item taking 100 ms, for three seconds in 10 ms steps.
/// Returns how many of the light session's frames were computed in time and how many were missed.
private func simulateHeavyAndLight(cap: Int, quantum: Duration) -> (computed: Int, missed: Int) {
    let service = ms(100)
    // Admission is generous so that the overload is real: the heavy session needs 10 workers.
    var s = scheduler(cap: cap, quantum: quantum, serviceTime: service)
    _ = s.open("heavy", request(features: (0..<10).map { "f\($0)" }), now: .zero)
    _ = s.open("light", request(), now: .zero)
    _ = s.play("heavy", from: .zero, now: .zero)
    _ = s.play("light", from: ms(50), now: .zero)

    var running: [(item: Item, finish: Duration)] = []
    var computed = 0
    var missed = 0
    for step in 0...300 {
        let now = ms(step * 10)
        for done in running where done.finish <= now {
            s.completed(done.item.id, duration: service)
            if done.item.session == "light" {
                if done.finish <= done.item.displayTime { computed += 1 } else { missed += 1 }
            }
        }
        running.removeAll { $0.finish <= now }
        let actions = s.next(now: now, capacity: 2 - running.count)
        missed += actions.dropped.filter { $0.session == "light" }.count
        let cancelled = Set(actions.cancelled)
        missed += running.filter { cancelled.contains($0.item.id) && $0.item.session == "light" }.count
        running.removeAll { cancelled.contains($0.item.id) }
        running += actions.dispatched.map { ($0, now + service) }
    }
    return (computed, missed)
}
