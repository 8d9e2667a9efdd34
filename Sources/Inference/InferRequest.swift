internal import COpenVINO
import Synchronization

/// One inference context of a compiled model (`ov_infer_request_t`): runs one inference at a time.
///
/// `infer` starts OpenVINO's asynchronous inference and suspends until OpenVINO's completion callback
/// fires, so no Swift thread blocks while the device works. Not Sendable: use one request per in-flight
/// call, or share an `InferRequestPool`.
public final class InferRequest {
    let handle: OpaquePointer
    /// Kept so the compiled model outlives its requests.
    public let compiled: CompiledModel
    /// OpenVINO stores the pointer to this struct, not a copy: it lives on the heap as long as the request.
    private let callback: UnsafeMutablePointer<ov_callback_t>
    private let completion: InferCompletion

    init(compiled: CompiledModel) throws(InferenceError) {
        var request: OpaquePointer?
        try check(ov_compiled_model_create_infer_request(compiled.handle, &request), "create infer request")
        guard let request else {
            throw InferenceError(.inferenceFailed, operation: "create infer request", message: "OpenVINO returned no request")
        }
        let completion = InferCompletion(request: request, abortable: !compiled.inputs.contains(where: \.isDynamic))
        let callback = UnsafeMutablePointer<ov_callback_t>.allocate(capacity: 1)
        // The box travels through `args` unretained; `self.completion` keeps it alive while OpenVINO can call back.
        callback.initialize(to: ov_callback_t(
            callback_func: { args in
                Unmanaged<InferCompletion>.fromOpaque(args!).takeUnretainedValue().complete()
            },
            args: Unmanaged.passUnretained(completion).toOpaque()))
        let status = ov_infer_request_set_callback(request, callback)
        guard status == OK else {
            ov_infer_request_free(request)
            callback.deallocate()
            throw InferenceError(openVINOStatus: status, operation: "set infer request callback", code: .inferenceFailed)
        }
        self.handle = request
        self.compiled = compiled
        self.callback = callback
        self.completion = completion
    }

    deinit {
        // Free the request first: after that OpenVINO can no longer reach the callback struct or the box.
        ov_infer_request_free(handle)
        callback.deallocate()
    }

    /// Runs the model on `inputs` (one tensor per model input, in model order) and returns copies of
    /// the outputs (one per model output, in model order).
    ///
    /// Inputs are checked against the compiled model before OpenVINO sees them (`.invalidArgument`).
    /// Cancelling the calling task cancels the OpenVINO request and throws `.cancelled`; the request
    /// stays usable. The input tensors must not be mutated until this returns.
    nonisolated(nonsending)
    public func infer(_ inputs: [Tensor]) async throws(InferenceError) -> sending [Tensor] {
        try validate(inputs)
        for (index, tensor) in inputs.enumerated() {
            try check(ov_infer_request_set_input_tensor_by_index(handle, index, tensor.handle), "bind input \(index)", code: .invalidArgument)
        }
        try await run()
        // The request now references the inputs' memory only until the next bind; it never reads it while idle.
        var outputs: [Tensor] = []
        outputs.reserveCapacity(compiled.outputs.count)
        for index in compiled.outputs.indices {
            var output: OpaquePointer?
            try check(ov_infer_request_get_output_tensor_by_index(handle, index, &output), "get output \(index)")
            defer { ov_tensor_free(output) }
            outputs.append(try Tensor.copying(output!, operation: "read output \(index) '\(compiled.outputs[index].name)'"))
        }
        return outputs
    }

    /// Checks count, element type and shape of each input against the compiled model's ports.
    func validate(_ inputs: [Tensor]) throws(InferenceError) {
        let ports = compiled.inputs
        guard inputs.count == ports.count else {
            throw .invalidArgument("infer", "the model takes \(ports.count) input(s) (\(ports.map(\.name))), got \(inputs.count)")
        }
        for (index, (tensor, port)) in zip(inputs, ports).enumerated() {
            guard tensor.elementType == port.elementType else {
                throw .invalidArgument("infer", "input \(index) '\(port.name)' takes \(port.elementType), got \(tensor.elementType)")
            }
            guard port.accepts(shape: tensor.shape), tensor.shape.allSatisfy({ $0 > 0 }) else {
                throw .invalidArgument("infer", "input \(index) '\(port.name)' takes shape \(port.shapeText), got \(tensor.shape)")
            }
        }
    }

    /// Starts the bound inference and suspends until OpenVINO calls back, then collects the status.
    nonisolated(nonsending)
    private func run() async throws(InferenceError) {
        if Task.isCancelled { throw .cancelled("infer") }
        let completion = self.completion
        let handle = self.handle
        let startStatus: ov_status_e = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ov_status_e, Never>) in
                completion.arm(continuation)
                let status = ov_infer_request_start_async(handle)
                // No callback comes for a request that never started: resume here instead.
                if status != OK { completion.complete(status) }
            }
        } onCancel: {
            completion.cancel()
        }
        // From here no cancellation handler can reach this request, which may go to another caller next.
        completion.disarm()
        try check(startStatus, "start inference")
        try check(ov_infer_request_wait(handle), "inference of \(compiled.sourcePath ?? "model")")
        // A cancel that arrived after OpenVINO finished still means the caller no longer wants the result.
        if Task.isCancelled { throw .cancelled("infer") }
    }
}

@available(*, unavailable)
extension InferRequest: Sendable {}

/// The bridge between OpenVINO's completion callback (any OpenVINO thread) and the suspended task.
final class InferCompletion: Sendable {
    private let continuation = Mutex<CheckedContinuation<ov_status_e, Never>?>(nil)
    /// Whether a cancellation may still reach the request; a separate lock from `continuation` so a
    /// callback running during `cancel` cannot deadlock against it.
    private let armed = Mutex(false)
    // nonisolated(unsafe): the handle is immutable, and the only call made through it from another
    // thread is ov_infer_request_cancel, which OpenVINO provides precisely to be called while the request runs.
    nonisolated(unsafe) private let request: OpaquePointer

    /// False for a model with dynamic inputs: the CPU plugin keeps each node's last shapes in the graph
    /// the requests of a stream share, and an inference aborted half-way leaves some nodes at the old
    /// shapes, so the next inference with other shapes fails ("Concat … Argument shapes are inconsistent",
    /// seen with NudeNet under sessions that seek). Such an inference runs to its end instead; the
    /// caller still gets `cancelled`.
    private let abortable: Bool

    init(request: OpaquePointer, abortable: Bool) {
        self.request = request
        self.abortable = abortable
    }

    func arm(_ continuation: CheckedContinuation<ov_status_e, Never>) {
        self.continuation.withLock { $0 = continuation }
        armed.withLock { $0 = true }
    }

    /// Resumes the waiting task once, whoever calls first: OpenVINO's callback (`OK`; the real status
    /// comes from `ov_infer_request_wait`) or a start that failed (its status).
    func complete(_ startStatus: ov_status_e = OK) {
        continuation.withLock { $0.take() }?.resume(returning: startStatus)
    }

    func disarm() {
        armed.withLock { $0 = false }
    }

    /// Asks OpenVINO to stop the running inference (unless its model has dynamic inputs); ignored once
    /// the caller has its result.
    func cancel() {
        armed.withLock { armed in
            if armed && abortable { _ = ov_infer_request_cancel(request) }
        }
    }
}

extension PortInfo {
    var shapeText: String { "[\(shape.map { $0 == -1 ? "?" : String($0) }.joined(separator: ","))]" }
}
