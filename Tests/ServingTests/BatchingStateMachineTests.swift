import Serving
import Testing

@Suite struct BatchingStateMachineTests {
    typealias Machine = BatchingStateMachine<Int>
    let t0 = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { t0.advanced(by: .milliseconds(milliseconds)) }

    @Test func idleReplicaTakesALoneRequestAtOnce() {
        var machine = Machine(policy: .init(maxBatchSize: 8, maxWait: .milliseconds(5)))
        let r1 = machine.enqueue(1, now: at(0))
        #expect(r1)
        let r2 = machine.next(now: at(0), room: 64, idle: true)
        #expect(r2 == .dispatch([1]))
        let r3 = machine.next(now: at(0), room: 64, idle: true)
        #expect(r3 == .wait(until: nil))
    }

    @Test func busyReplicasWaitUntilTheOldestHasWaitedMaxWait() {
        var machine = Machine(policy: .init(maxBatchSize: 8, maxWait: .milliseconds(5)))
        _ = machine.enqueue(1, now: at(0))
        _ = machine.enqueue(2, now: at(2))
        let r4 = machine.next(now: at(3), room: 64, idle: false)
        #expect(r4 == .wait(until: at(5)))
        let r5 = machine.next(now: at(5), room: 64, idle: false)
        #expect(r5 == .dispatch([1, 2]))
    }

    @Test func aFullBatchLeavesWithoutWaiting() {
        var machine = Machine(policy: .init(maxBatchSize: 3, maxWait: .seconds(1)))
        for id in 1...7 { _ = machine.enqueue(id, now: at(0)) }
        let r6 = machine.next(now: at(0), room: 64, idle: false)
        #expect(r6 == .dispatch([1, 2, 3]))
        let r7 = machine.next(now: at(0), room: 64, idle: false)
        #expect(r7 == .dispatch([4, 5, 6]))
        let r8 = machine.next(now: at(0), room: 64, idle: false)
        #expect(r8 == .wait(until: at(1000)))
        #expect(machine.queuedCount == 1)
    }

    @Test func batchNeverExceedsTheReplicaRoom() {
        var machine = Machine(policy: .init(maxBatchSize: 8, maxWait: .zero))
        for id in 1...5 { _ = machine.enqueue(id, now: at(0)) }
        let r9 = machine.next(now: at(0), room: 2, idle: false)
        #expect(r9 == .dispatch([1, 2]))
        let r10 = machine.next(now: at(0), room: 0, idle: false)
        #expect(r10 == .wait(until: nil))
        #expect(machine.queuedCount == 3)
    }

    @Test func higherPriorityGoesFirstAndEqualPrioritiesStayInArrivalOrder() {
        var machine = Machine(policy: .init(maxBatchSize: 2, maxWait: .zero))
        _ = machine.enqueue(1, priority: 0, now: at(0))
        _ = machine.enqueue(2, priority: 5, now: at(1))
        _ = machine.enqueue(3, priority: 0, now: at(2))
        _ = machine.enqueue(4, priority: 5, now: at(3))
        _ = machine.enqueue(5, priority: 9, now: at(4))
        let r11 = machine.next(now: at(5), room: 8, idle: true)
        #expect(r11 == .dispatch([5, 2]))
        let r12 = machine.next(now: at(5), room: 8, idle: true)
        #expect(r12 == .dispatch([4, 1]))
        let r13 = machine.next(now: at(5), room: 8, idle: true)
        #expect(r13 == .dispatch([3]))
    }

    @Test func expiredRequestsAreReturnedNotBatched() {
        var machine = Machine(policy: .init(maxBatchSize: 8, maxWait: .milliseconds(50)))
        _ = machine.enqueue(1, deadline: at(10), now: at(0))
        _ = machine.enqueue(2, deadline: nil, now: at(0))
        _ = machine.enqueue(3, deadline: at(30), now: at(0))
        // The wake-up is the earliest of the batch timer and the first deadline.
        let r14 = machine.next(now: at(1), room: 8, idle: false)
        #expect(r14 == .wait(until: at(10)))
        let r15 = machine.expire(now: at(10))
        #expect(r15 == [1])
        #expect(machine.earliestDeadline == at(30))
        let r16 = machine.expire(now: at(31))
        #expect(r16 == [3])
        let r17 = machine.next(now: at(50), room: 8, idle: false)
        #expect(r17 == .dispatch([2]))
    }

    @Test func aFullQueueRejectsAndRemovalFreesASlot() {
        var machine = Machine(policy: .init(maxBatchSize: 1, maxWait: .zero, maxQueued: 2))
        let r18 = machine.enqueue(1, now: at(0))
        #expect(r18)
        let r19 = machine.enqueue(2, now: at(0))
        #expect(r19)
        let r20 = machine.enqueue(3, now: at(0))
        #expect(!r20)
        let r21 = machine.remove(1)
        #expect(r21)
        let r22 = machine.remove(1)
        #expect(!r22)
        let r23 = machine.enqueue(3, now: at(0))
        #expect(r23)
        let r24 = machine.next(now: at(0), room: 1, idle: true)
        #expect(r24 == .dispatch([2]))
    }

    @Test func waitIsMeasuredFromTheOldestRequestNotTheHighestPriority() {
        var machine = Machine(policy: .init(maxBatchSize: 4, maxWait: .milliseconds(10)))
        _ = machine.enqueue(1, priority: 0, now: at(0))
        _ = machine.enqueue(2, priority: 9, now: at(8))
        let r25 = machine.next(now: at(9), room: 8, idle: false)
        #expect(r25 == .wait(until: at(10)))
        let r26 = machine.next(now: at(10), room: 8, idle: false)
        #expect(r26 == .dispatch([2, 1]))
    }
}
