internal import COpenVINO

/// A model compiled for a device (`ov_compiled_model_t`); makes infer requests.
// @unchecked Sendable: OpenVINO documents ov::CompiledModel as thread-safe (create_infer_request and
// get_property may be called from any thread); the Swift side holds only immutable values.
public final class CompiledModel: @unchecked Sendable {
    let handle: OpaquePointer
    /// Kept so the device plugin stays loaded while this compiled model lives.
    let core: InferenceCore
    public let inputs: [PortInfo]
    public let outputs: [PortInfo]
    public let options: CompileOptions
    /// The file the model was read from, for messages.
    public let sourcePath: String?
    /// How many requests the device can usefully run at once (`OPTIMAL_NUMBER_OF_INFER_REQUESTS`).
    public let optimalNumberOfInferRequests: Int

    init(handle: OpaquePointer, core: InferenceCore, options: CompileOptions, sourcePath: String?) throws(InferenceError) {
        self.handle = handle
        self.core = core
        self.options = options
        self.sourcePath = sourcePath
        do throws(InferenceError) {
            var inputCount = 0, outputCount = 0
            try check(ov_compiled_model_inputs_size(handle, &inputCount), "count compiled inputs")
            try check(ov_compiled_model_outputs_size(handle, &outputCount), "count compiled outputs")
            inputs = try (0..<inputCount).map { index throws(InferenceError) in
                var port: OpaquePointer?
                try check(ov_compiled_model_input_by_index(handle, index, &port), "compiled input \(index)")
                return try PortInfo(consuming: port!, operation: "compiled input \(index)")
            }
            outputs = try (0..<outputCount).map { index throws(InferenceError) in
                var port: OpaquePointer?
                try check(ov_compiled_model_output_by_index(handle, index, &port), "compiled output \(index)")
                return try PortInfo(consuming: port!, operation: "compiled output \(index)")
            }
            let optimal = try CompiledModel.property(handle, "OPTIMAL_NUMBER_OF_INFER_REQUESTS")
            guard let count = Int(optimal), count > 0 else {
                throw InferenceError(.inferenceFailed, operation: "read OPTIMAL_NUMBER_OF_INFER_REQUESTS", message: "unexpected value '\(optimal)'")
            }
            optimalNumberOfInferRequests = count
        } catch {
            ov_compiled_model_free(handle)
            throw error
        }
    }

    deinit { ov_compiled_model_free(handle) }

    /// A compiled-model property as OpenVINO prints it, e.g. `property("INFERENCE_PRECISION_HINT")` → "f32".
    public func property(_ key: String) throws(InferenceError) -> String {
        try CompiledModel.property(handle, key)
    }

    /// The precision the device actually runs at (resolves a `nil` precision option to the device default).
    public var inferencePrecision: String {
        get throws(InferenceError) { try property("INFERENCE_PRECISION_HINT") }
    }

    /// A new request; each runs one inference at a time. Prefer `InferRequestPool` for concurrent callers.
    public func makeInferRequest() throws(InferenceError) -> InferRequest {
        try InferRequest(compiled: self)
    }

    private static func property(_ handle: OpaquePointer, _ key: String) throws(InferenceError) -> String {
        var value: UnsafeMutablePointer<CChar>?
        try check(ov_compiled_model_get_property(handle, key, &value), "get compiled model property \(key)", code: .invalidArgument)
        return takeOpenVINOString(value)
    }
}
