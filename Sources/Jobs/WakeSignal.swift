import Synchronization

/// A one-shot signal that cuts waits short: once `fire()` is called, every current and later `sleep`
/// returns at once. A worker's slots wait between polls with it, so the run ends as soon as one slot sees
/// it should stop, not a poll interval later.
final class WakeSignal: Sendable {
    private struct State {
        var fired = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waits cancelled before they registered.
        var abandoned: Set<UInt64> = []
    }

    private let state = Mutex(State())

    /// Sleeps for `duration` or until the signal fires, whichever comes first; returns early on cancellation too.
    func sleep(for duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.fired() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Wakes every sleeper, now and from now on.
    func fire() {
        let waiters = state.withLock { state in
            state.fired = true
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the signal fires or the caller is cancelled.
    private func fired() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.fired || state.abandoned.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    // Not registered yet (else it was resumed by `fire`, which leaves nothing to mark).
                    if !state.fired { state.abandoned.insert(id) }
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
    }
}
