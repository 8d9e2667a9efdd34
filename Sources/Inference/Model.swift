internal import COpenVINO
import Foundation

/// A model read from disk (`ov_model_t`), before compilation; reshape dynamic inputs here.
///
/// Not Sendable: reshaping mutates the graph, which OpenVINO does not allow concurrently.
public final class Model {
    let handle: OpaquePointer
    /// Kept so the frontend libraries that built this graph stay loaded as long as it lives.
    let core: InferenceCore
    /// The file the model was read from.
    public let path: String?
    public private(set) var inputs: [PortInfo]
    public private(set) var outputs: [PortInfo]

    init(handle: OpaquePointer, core: InferenceCore, path: String?) throws(InferenceError) {
        self.handle = handle
        self.core = core
        self.path = path
        do throws(InferenceError) {
            (inputs, outputs) = try Model.ports(of: handle)
        } catch {
            ov_model_free(handle)
            throw error
        }
    }

    deinit { ov_model_free(handle) }

    /// Whether any input or output has a dynamic axis.
    public var isDynamic: Bool { ov_model_is_dynamic(handle) }

    /// Fixes the shapes of the named inputs; the output shapes follow by shape inference. A -1 keeps a
    /// dimension dynamic (e.g. `[-1, 3, 320, 320]`: any batch size, fixed image size).
    ///
    /// Unknown names, a wrong rank or a shape the graph cannot take are `.invalidArgument`.
    public func reshape(_ shapes: [String: [Int]]) throws(InferenceError) {
        let operation = "reshape model \(path ?? "")"
        guard !shapes.isEmpty else { return }
        let ordered = shapes.sorted { $0.key < $1.key }
        for (name, shape) in ordered {
            guard let port = inputs.first(where: { $0.name == name }) else {
                throw .invalidArgument(operation, "no input named '\(name)'; inputs are \(inputs.map(\.name))")
            }
            try Model.validate(shape, for: port, operation: operation)
        }
        var partialShapes = try ordered.map { (_, shape) throws(InferenceError) in try Model.partialShape(shape, operation) }
        defer { for index in partialShapes.indices { ov_partial_shape_free(&partialShapes[index]) } }
        let names = ordered.map { strdup($0.key)! }
        defer { names.forEach { free($0) } }
        var cNames = names.map { UnsafePointer<CChar>?(UnsafePointer($0)) }
        let status = cNames.withUnsafeMutableBufferPointer { namesBuffer in
            partialShapes.withUnsafeBufferPointer { shapesBuffer in
                ov_model_reshape(handle, namesBuffer.baseAddress, shapesBuffer.baseAddress, shapesBuffer.count)
            }
        }
        try check(status, operation, code: .invalidArgument)
        (inputs, outputs) = try Model.ports(of: handle)
    }

    /// Fixes the shape of the model's only input; `.invalidArgument` if it has several.
    public func reshape(_ shape: [Int]) throws(InferenceError) {
        let operation = "reshape model \(path ?? "")"
        guard inputs.count == 1 else {
            throw .invalidArgument(operation, "the model has \(inputs.count) inputs; reshape them by name")
        }
        try Model.validate(shape, for: inputs[0], operation: operation)
        var partial = try Model.partialShape(shape, operation)
        defer { ov_partial_shape_free(&partial) }
        try check(ov_model_reshape_single_input(handle, partial), operation, code: .invalidArgument)
        (inputs, outputs) = try Model.ports(of: handle)
    }

    private static func validate(_ shape: [Int], for port: PortInfo, operation: String) throws(InferenceError) {
        guard shape.allSatisfy({ $0 > 0 || $0 == -1 }) else {
            throw .invalidArgument(operation, "shape \(shape) for '\(port.name)' must have positive dimensions (or -1 for dynamic)")
        }
        guard port.accepts(shape: shape) else {
            throw .invalidArgument(operation, "shape \(shape) does not fit input \(port)")
        }
    }

    private static func partialShape(_ shape: [Int], _ operation: String) throws(InferenceError) -> ov_partial_shape_t {
        var partial = ov_partial_shape_t()
        let dims = shape.map { ov_dimension_t(min: Int64($0), max: Int64($0)) }
        try check(ov_partial_shape_create(Int64(dims.count), dims, &partial), operation, code: .invalidArgument)
        return partial
    }

    private static func ports(of handle: OpaquePointer) throws(InferenceError) -> ([PortInfo], [PortInfo]) {
        var inputCount = 0, outputCount = 0
        try check(ov_model_inputs_size(handle, &inputCount), "count model inputs", code: .modelInvalid)
        try check(ov_model_outputs_size(handle, &outputCount), "count model outputs", code: .modelInvalid)
        let inputs = try (0..<inputCount).map { index throws(InferenceError) in
            var port: OpaquePointer?
            try check(ov_model_const_input_by_index(handle, index, &port), "model input \(index)", code: .modelInvalid)
            return try PortInfo(consuming: port!, operation: "model input \(index)")
        }
        let outputs = try (0..<outputCount).map { index throws(InferenceError) in
            var port: OpaquePointer?
            try check(ov_model_const_output_by_index(handle, index, &port), "model output \(index)", code: .modelInvalid)
            return try PortInfo(consuming: port!, operation: "model output \(index)")
        }
        return (inputs, outputs)
    }
}

@available(*, unavailable)
extension Model: Sendable {}
