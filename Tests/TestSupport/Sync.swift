import Synchronization
import Testing

// Synchronisation helpers shared by the test targets: tests order events with gates they open and
// share tallies between tasks, instead of measuring time.

/// A latch that handlers wait on until the test opens it. Waiting is cancellable: a cancelled waiter
/// throws `CancellationError`.
public final class Gate: Sendable {
    private struct State {
        var open = false
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    public func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [:] }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Callers currently waiting.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    public func wait() async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now: Result<Void, any Error>? = state.withLock { state in
                    if state.open { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}

/// A thread-safe value box for tallies shared between tasks.
public final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    public init(_ value: Value) { state = Mutex(value) }
    public var value: Value { state.withLock { $0 } }
    @discardableResult
    public func update<R: Sendable>(_ body: (inout Value) -> R) -> R { state.withLock { body(&$0) } }
}

/// Polls `condition` until it holds. The timeout is a guard against a hang, not a timing assertion:
/// a failure is recorded only when the condition has not held after a generous wait.
@discardableResult
public func eventually(_ what: @autoclosure () -> String = "condition", timeout: Duration = .seconds(60),
                sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: timeout)
    while clock.now < end {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    if try await condition() { return true }
    Issue.record("\(what()) did not happen within \(timeout)", sourceLocation: sourceLocation)
    return false
}

/// Polls `value` (every 20 ms) until it gives non-nil and returns that; throws after `timeout`. For waits on
/// other processes and on the clock (a lease running out), where no event can be awaited.
public func waitFor<T>(_ what: @autoclosure () -> String = "value", timeout: Duration = .seconds(60),
                       _ value: () async throws -> T?) async throws -> T {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: timeout)
    repeat {
        if let found = try await value() { return found }
        try await Task.sleep(for: .milliseconds(20))
    } while clock.now < end
    if let found = try await value() { return found }
    throw WaitTimeout(description: "\(what()) did not come within \(timeout)")
}

/// ``waitFor(_:timeout:_:)`` gave up.
public struct WaitTimeout: Error, CustomStringConvertible {
    public let description: String
}
