import PlayheadCore
import Sessions
import Testing

// The benchmark baseline must really be first-come, first-served: these pin what makes it differ
// from the deadline scheduler.

@Suite struct FIFOSchedulerTests {
    typealias FIFO = FIFOScheduler<String, String>

    private func request() -> SessionRequest<String> {
        SessionRequest(features: ["det"], fps: Rational(10, 1), lookahead: .seconds(1))
    }

    @Test func aSeekQueuesTheNewWindowBehindTheOldOneAndCancelsNothing() {
        var fifo = FIFO()
        _ = fifo.open("a", request(), now: .zero)
        let first = fifo.next(now: .zero, capacity: 2).dispatched
        #expect(first.map(\.frameIndex) == [0, 1])
        let seek = fifo.seek("a", to: .seconds(5), now: .milliseconds(10))
        #expect(seek.cancelled.isEmpty)
        // Frames 2...10 of the old window still go first, then 50... of the new one.
        let next = fifo.next(now: .milliseconds(10), capacity: 12).dispatched.map(\.frameIndex)
        #expect(next == Array(2...10) + [50, 51, 52])
    }

    @Test func lateWorkIsNeitherDroppedNorCancelled() {
        var fifo = FIFO()
        _ = fifo.open("a", request(), now: .zero)
        _ = fifo.play("a", from: .zero, rate: 1, now: .zero)
        let running = fifo.next(now: .zero, capacity: 1).dispatched
        // Two seconds later everything queued is late; it is all still computed, in order.
        let later = fifo.next(now: .seconds(2), capacity: 100)
        #expect(later.dropped.isEmpty && later.cancelled.isEmpty)
        #expect(later.dispatched.map(\.frameIndex).prefix(3) == [1, 2, 3])
        #expect(fifo.inFlightItems.map(\.id).contains(running[0].id))
    }

    @Test func closingFreesTheSessionsWork() {
        var fifo = FIFO()
        _ = fifo.open("a", request(), now: .zero)
        let running = fifo.next(now: .zero, capacity: 3).dispatched
        #expect(fifo.close("a").cancelled == running.map(\.id))
        #expect(fifo.inFlightItems.isEmpty && fifo.queuedItems(of: "a", now: .zero).isEmpty)
    }
}
