internal import COpenVINO
import Foundation

/// A dense tensor whose memory Swift allocates and owns (64-byte aligned; zero-filled unless its creator fills it).
///
/// OpenVINO sees the same memory through an `ov_tensor_t` created over it with
/// `ov_tensor_create_from_host_ptr`, so binding a tensor as a request input copies nothing.
/// Outputs are copied once out of the request into new tensors the caller owns, so they stay
/// valid after the request runs again.
///
/// Not Sendable: its memory is mutable through `withUnsafeMutableBufferPointer`. Results come back
/// as `sending` values, so they can still move to another task or actor.
public final class Tensor {
    public let elementType: ElementType
    public let shape: [Int]
    /// Number of elements (the product of `shape`).
    public let count: Int
    public var byteCount: Int { count * elementType.byteSize }

    private let storage: UnsafeMutableRawPointer
    /// The OpenVINO view of `storage`; freed before `storage`.
    let handle: OpaquePointer

    static let alignment = 64

    /// A zero-filled tensor; `.invalidArgument` for a negative dimension or a size that overflows.
    public convenience init(elementType: ElementType, shape: [Int]) throws(InferenceError) {
        try self.init(elementType: elementType, shape: shape, zeroFilled: true)
    }

    /// A tensor whose bytes `initialize` writes, every one of them (e.g. a request body copied in):
    /// nothing is zero-filled first, which for a megabyte input saves a pass over memory per inference.
    public convenience init(
        elementType: ElementType, shape: [Int], initializingBytesWith initialize: (UnsafeMutableRawBufferPointer) -> Void
    ) throws(InferenceError) {
        try self.init(elementType: elementType, shape: shape, zeroFilled: false)
        initialize(UnsafeMutableRawBufferPointer(start: storage, count: byteCount))
    }

    private init(elementType: ElementType, shape: [Int], zeroFilled: Bool) throws(InferenceError) {
        let operation = "create \(elementType) tensor \(shape)"
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidArgument(operation, "dimensions must not be negative") }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .invalidArgument(operation, "the element count overflows") }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementType.byteSize)
        guard !overflow else { throw .invalidArgument(operation, "the byte size overflows") }


        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: Tensor.alignment)
        // memset, not initializeMemory(repeating:): the generic loop runs per byte in debug builds.
        if zeroFilled { memset(storage, 0, max(bytes, 1)) }
        var tensor: OpaquePointer?
        var dims = shape.map(Int64.init)
        let status = dims.withUnsafeMutableBufferPointer { buffer in
            ov_tensor_create_from_host_ptr(
                elementType.openVINO, ov_shape_t(rank: Int64(buffer.count), dims: buffer.baseAddress), storage, &tensor)
        }
        guard status == OK, let tensor else {
            storage.deallocate()
            throw InferenceError(openVINOStatus: status == OK ? GENERAL_ERROR : status, operation: operation, code: .invalidArgument)
        }
        self.elementType = elementType
        self.shape = shape
        self.count = count
        self.storage = storage
        handle = tensor
    }

    /// An f32 tensor holding a copy of `floats`; `.invalidArgument` if the count does not match the shape.
    public convenience init(shape: [Int], floats: [Float]) throws(InferenceError) {
        try self.init(elementType: .f32, shape: shape)
        guard floats.count == count else {
            throw .invalidArgument("create f32 tensor \(shape)", "\(floats.count) values given for \(count) elements")
        }
        floats.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    deinit {
        ov_tensor_free(handle)
        storage.deallocate()
    }

    /// Reads the elements as `T`. Precondition: `T.elementType == elementType` (check `elementType` first
    /// when the type is not known statically; a mismatch is a programming error).
    public func withUnsafeBufferPointer<T: TensorElement, R, E: Error>(
        as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws(E) -> R
    ) throws(E) -> R {
        precondition(T.elementType == elementType, "tensor holds \(elementType), not \(T.elementType)")
        return try body(UnsafeBufferPointer(start: storage.assumingMemoryBound(to: T.self), count: count))
    }

    /// Writes the elements as `T`, e.g. to fill a preprocessed image in place without a copy.
    /// Precondition: `T.elementType == elementType`. Do not mutate while an inference using this tensor runs.
    public func withUnsafeMutableBufferPointer<T: TensorElement, R, E: Error>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws(E) -> R
    ) throws(E) -> R {
        precondition(T.elementType == elementType, "tensor holds \(elementType), not \(T.elementType)")
        return try body(UnsafeMutableBufferPointer(start: storage.assumingMemoryBound(to: T.self), count: count))
    }

    /// The raw bytes, whatever the element type.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: storage, count: byteCount))
    }

    /// Writes the raw bytes, whatever the element type (e.g. to copy a request body in).
    /// Do not mutate while an inference using this tensor runs.
    public func withUnsafeMutableBytes<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeMutableRawBufferPointer(start: storage, count: byteCount))
    }

    /// A copy of the elements of an f32 tensor; `.invalidArgument` for any other element type
    /// (a model whose outputs are not f32 is a runtime condition, not a crash).
    public func floats() throws(InferenceError) -> [Float] {
        guard elementType == .f32 else {
            throw .invalidArgument("read tensor \(shape) as f32", "the tensor holds \(elementType)")
        }
        return withUnsafeBufferPointer(as: Float.self) { Array($0) }
    }

    /// A new tensor with a copy of an OpenVINO tensor's shape, type and contents.
    static func copying(_ source: OpaquePointer, operation: String) throws(InferenceError) -> sending Tensor {
        var cShape = ov_shape_t()
        try check(ov_tensor_get_shape(source, &cShape), "\(operation): shape")
        defer { ov_shape_free(&cShape) }
        let shape = (0..<Int(cShape.rank)).map { Int(cShape.dims[$0]) }
        var rawType = DYNAMIC
        try check(ov_tensor_get_element_type(source, &rawType), "\(operation): element type")
        guard let elementType = ElementType(openVINO: rawType) else {
            throw InferenceError(.inferenceFailed, operation: operation, message: "unsupported output element type \(ElementType.openVINOName(rawType))")
        }
        // nonisolated(unsafe): the tensor is freshly allocated and only receives a copy of the bytes, so it
        // shares no state with `source`; region analysis cannot see through the raw-pointer copy.
        nonisolated(unsafe) let tensor = try Tensor(elementType: elementType, shape: shape, zeroFilled: false)
        var byteSize = 0
        try check(ov_tensor_get_byte_size(source, &byteSize), "\(operation): byte size")
        guard byteSize == tensor.byteCount else {
            throw InferenceError(.inferenceFailed, operation: operation, message: "OpenVINO reports \(byteSize) bytes for \(shape) \(elementType)")
        }
        if byteSize > 0 {
            var data: UnsafeMutableRawPointer?
            try check(ov_tensor_data(source, &data), "\(operation): data")
            guard let data else { throw InferenceError(.inferenceFailed, operation: operation, message: "OpenVINO returned no data") }
            tensor.storage.copyMemory(from: data, byteCount: byteSize)
        }
        return tensor
    }
}

@available(*, unavailable)
extension Tensor: Sendable {}
