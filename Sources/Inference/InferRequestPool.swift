import Synchronization

/// A bounded set of infer requests for one compiled model, shared by any number of concurrent callers.
///
/// A caller takes a free request, runs one inference and gives it back; when all are busy, callers
/// suspend (no thread blocks) and are served first-come, first-served. Cancelling a waiting caller
/// removes it from the queue with `.cancelled`; cancelling a running one cancels its OpenVINO request.
public final class InferRequestPool: Sendable {
    public let model: CompiledModel
    /// Number of requests, i.e. the most inferences in flight at once.
    public let size: Int

    // nonisolated(unsafe): the array never changes after init, and each request is used by exactly one
    // caller at a time: its index is handed out exclusively by `state` and returned when that caller is done.
    nonisolated(unsafe) private let requests: [InferRequest]
    private let state: Mutex<State>

    private typealias Waiter = (id: UInt64, continuation: CheckedContinuation<Int?, Never>)

    private struct State {
        var free: [Int]
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
    }

    /// Creates `size` requests up front; `nil` uses the device's `optimalNumberOfInferRequests`.
    public init(model: CompiledModel, size: Int? = nil) throws(InferenceError) {
        let size = size ?? model.optimalNumberOfInferRequests
        guard size >= 1 else { throw .invalidArgument("create infer request pool", "size must be at least 1, got \(size)") }
        self.model = model
        self.size = size
        requests = try (0..<size).map { _ throws(InferenceError) in try model.makeInferRequest() }
        state = Mutex(State(free: Array((0..<size).reversed())))
    }

    /// Callers suspended waiting for a request (a queue-depth gauge for metrics).
    public var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Requests not currently running an inference (a gauge for metrics).
    public var availableCount: Int { state.withLock { $0.free.count } }

    /// Runs the model on `inputs` (by model input index) with the next free request and returns the
    /// outputs (by model output index), copied into tensors the caller owns. See `InferRequest.infer`.
    nonisolated(nonsending)
    public func infer(_ inputs: [Tensor]) async throws(InferenceError) -> sending [Tensor] {
        let index = try await acquire()
        defer { release(index) }
        return try await requests[index].infer(inputs)
    }

    private func acquire() async throws(InferenceError) -> Int {
        if Task.isCancelled { throw .cancelled("wait for an infer request") }
        if let index = state.withLock({ $0.free.popLast() }) { return index }
        let id = state.withLock { state in
            defer { state.nextWaiterID &+= 1 }
            return state.nextWaiterID
        }
        let index: Int? = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
                let immediate: Int?? = state.withLock { state in
                    // Checked under the lock: a cancel after this point finds the waiter and removes it.
                    if Task.isCancelled { return .some(nil) }
                    if let index = state.free.popLast() { return .some(index) }
                    state.waiters.append((id, continuation))
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(returning: nil)
        }
        guard let index else { throw .cancelled("wait for an infer request") }
        return index
    }

    private func release(_ index: Int) {
        let waiter: Waiter? = state.withLock { state in
            if state.waiters.isEmpty {
                state.free.append(index)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: index)
    }
}
