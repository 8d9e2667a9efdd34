import PlayheadCore
import Sessions
import Testing

/// `requeue` is for a frame that became wanted again after its deadline passed (the session paused).
@Suite struct RequeueTests {
    @Test func aFrameWhoseDeadlinePassedWhilePausedIsQueuedAgain() {
        var s = PlaybackScheduler<String, String>(configuration: .init(workers: 10, maxInFlightPerSession: 10, serviceTimes: ServiceTimeEstimator(fallback: .milliseconds(10))))
        _ = s.open("a", SessionRequest(features: ["det"], fps: Rational(10, 1), lookahead: .seconds(1)), now: .zero)
        _ = s.play("a", from: .zero, rate: 1, now: .zero)
        let running = s.next(now: .zero, capacity: 1).dispatched
        #expect(running.map(\.frameIndex) == [1])
        _ = s.pause("a", at: .milliseconds(50), now: .milliseconds(50))
        s.requeue(running[0].id)
        #expect(s.inFlightItems.isEmpty)
        let again = s.queuedItems(of: "a", now: .milliseconds(50)).first { $0.frameIndex == 1 }
        #expect(again != nil && again?.id != running[0].id)
        // A failure, by contrast, settles the frame while it stays in the window.
        let retried = s.next(now: .milliseconds(50), capacity: 1).dispatched
        #expect(retried.map(\.frameIndex) == [1])
        s.failed(retried[0].id)
        #expect(!s.queuedItems(of: "a", now: .milliseconds(50)).contains { $0.frameIndex == 1 })
    }
}
