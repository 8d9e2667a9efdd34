@testable import Jobs
import Testing

/// The signal that lets a worker's idle slots stop at once. A sleep the signal failed to end would run
/// for an hour, so a broken signal fails these tests through their time limit.
@Suite(.timeLimit(.minutes(1)))
struct WakeSignalTests {
    @Test func firingEndsSleepsInProgress() async {
        let signal = WakeSignal()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await signal.sleep(for: .seconds(3600)) } }
            // Let the sleepers register before firing, so the fire reaches waiting continuations.
            try? await Task.sleep(for: .milliseconds(50))
            signal.fire()
        }
    }

    @Test func sleepsAfterFiringReturnAtOnce() async {
        let signal = WakeSignal()
        signal.fire()
        await signal.sleep(for: .seconds(3600))
    }

    @Test func cancellationEndsASleep() async {
        let signal = WakeSignal()
        let sleeper = Task { await signal.sleep(for: .seconds(3600)) }
        sleeper.cancel()
        await sleeper.value
    }

    @Test func aShortSleepEndsOnItsOwn() async {
        await WakeSignal().sleep(for: .milliseconds(1))
    }
}
