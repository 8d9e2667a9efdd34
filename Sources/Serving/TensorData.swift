import Foundation
import Inference

/// A tensor as it travels through the serving engine: a name, a KServe v2 datatype, a shape and the
/// little-endian row-major bytes. A value type, so it crosses tasks, actors and handles freely.
public struct TensorData: Sendable, Hashable {
    /// KServe v2 datatypes (the names the protocol and tritonclient use).
    public enum Datatype: String, Sendable, Hashable, CaseIterable, Codable {
        case bool = "BOOL"
        case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
        case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
        case fp16 = "FP16", bf16 = "BF16", fp32 = "FP32", fp64 = "FP64"

        /// Bytes per element.
        public var byteSize: Int {
            switch self {
            case .bool, .uint8, .int8: 1
            case .uint16, .int16, .fp16, .bf16: 2
            case .uint32, .int32, .fp32: 4
            case .uint64, .int64, .fp64: 8
            }
        }

        public init(_ elementType: ElementType) {
            self = switch elementType {
            case .boolean: .bool
            case .u8: .uint8
            case .u16: .uint16
            case .u32: .uint32
            case .u64: .uint64
            case .i8: .int8
            case .i16: .int16
            case .i32: .int32
            case .i64: .int64
            case .f16: .fp16
            case .bf16: .bf16
            case .f32: .fp32
            case .f64: .fp64
            }
        }

        public var elementType: ElementType {
            switch self {
            case .bool: .boolean
            case .uint8: .u8
            case .uint16: .u16
            case .uint32: .u32
            case .uint64: .u64
            case .int8: .i8
            case .int16: .i16
            case .int32: .i32
            case .int64: .i64
            case .fp16: .f16
            case .bf16: .bf16
            case .fp32: .f32
            case .fp64: .f64
            }
        }
    }

    public var name: String
    public var datatype: Datatype
    public var shape: [Int]
    public var data: Data

    /// Checks that `data` holds exactly the bytes `shape` and `datatype` call for.
    public init(name: String, datatype: Datatype, shape: [Int], data: Data) throws(ServingError) {
        guard let count = TensorData.elementCount(shape) else {
            throw ServingError(.invalidInput, "tensor '\(name)': shape \(shape) has a negative dimension or is too large")
        }
        guard data.count == count * datatype.byteSize else {
            throw ServingError(.invalidInput, "tensor '\(name)': \(data.count) bytes given, shape \(shape) of \(datatype.rawValue) needs \(count * datatype.byteSize)")
        }
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.data = data
    }

    /// An FP32 tensor; precondition: `floats.count` matches `shape`.
    public init(name: String, shape: [Int], floats: [Float]) {
        precondition(TensorData.elementCount(shape) == floats.count, "\(floats.count) values for shape \(shape)")
        self.name = name
        datatype = .fp32
        self.shape = shape
        data = floats.withUnsafeBytes { Data($0) }
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements of an FP32 tensor, nil for any other datatype.
    public func floats() -> [Float]? {
        guard datatype == .fp32 else { return nil }
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
                _ = raw.copyBytes(to: buffer)
                initialized = elementCount
            }
        }
    }

    /// The number of elements, or nil for a negative dimension or an overflowing product.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= Int(Int32.max) * 16 else { return nil }
            count = product
        }
        return count
    }
}

/// The name, datatype and shape a deployment accepts or returns; -1 marks a dynamic dimension.
public struct TensorSpec: Sendable, Hashable, Codable {
    public var name: String
    public var datatype: TensorData.Datatype
    public var shape: [Int]

    public init(name: String, datatype: TensorData.Datatype, shape: [Int]) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
    }

    /// Why `tensor` does not fit this spec, or nil when it does.
    public func mismatch(_ tensor: TensorData) -> String? {
        if tensor.datatype != datatype {
            return "input '\(name)' must be \(datatype.rawValue), got \(tensor.datatype.rawValue)"
        }
        let fits = tensor.shape.count == shape.count && zip(tensor.shape, shape).allSatisfy { $1 < 0 || $0 == $1 }
        if !fits {
            let expected = "[" + shape.map { $0 < 0 ? "-1" : String($0) }.joined(separator: ",") + "]"
            return "input '\(name)' must have shape \(expected) (-1 = any), got \(tensor.shape)"
        }
        return nil
    }
}
