internal import COpenVINO

/// The element type of a tensor, named as OpenVINO names it (`f32`, `u8`, ...).
///
/// Only byte-addressable types are listed: sub-byte (`u1`, `i4`, `nf4`), string and dynamic types
/// cannot back a host buffer we hand to OpenVINO, so ports of those types are rejected when read.
public enum ElementType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case boolean
    case bf16, f16, f32, f64
    case i8, i16, i32, i64
    case u8, u16, u32, u64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .boolean, .i8, .u8: 1
        case .bf16, .f16, .i16, .u16: 2
        case .f32, .i32, .u32: 4
        case .f64, .i64, .u64: 8
        }
    }

    public var description: String { rawValue }

    var openVINO: ov_element_type_e {
        switch self {
        case .boolean: OV_BOOLEAN
        case .bf16: BF16
        case .f16: F16
        case .f32: F32
        case .f64: F64
        case .i8: I8
        case .i16: I16
        case .i32: I32
        case .i64: I64
        case .u8: U8
        case .u16: U16
        case .u32: U32
        case .u64: U64
        }
    }

    init?(openVINO type: ov_element_type_e) {
        guard let match = ElementType.allCases.first(where: { $0.openVINO == type }) else { return nil }
        self = match
    }

    /// OpenVINO's name for a raw element type, for error messages about types we do not support.
    static func openVINOName(_ type: ov_element_type_e) -> String {
        switch type {
        case DYNAMIC: "dynamic"
        case STRING: "string"
        case U1: "u1"
        case I4: "i4"
        case U4: "u4"
        case NF4: "nf4"
        default: "element type #\(type.rawValue)"
        }
    }
}

/// A Swift scalar type that can view a tensor's memory, tying the Swift type to its `ElementType`.
public protocol TensorElement: BitwiseCopyable {
    static var elementType: ElementType { get }
}

extension Float: TensorElement { public static var elementType: ElementType { .f32 } }
extension Double: TensorElement { public static var elementType: ElementType { .f64 } }
extension Int8: TensorElement { public static var elementType: ElementType { .i8 } }
extension Int16: TensorElement { public static var elementType: ElementType { .i16 } }
extension Int32: TensorElement { public static var elementType: ElementType { .i32 } }
extension Int64: TensorElement { public static var elementType: ElementType { .i64 } }
extension UInt8: TensorElement { public static var elementType: ElementType { .u8 } }
extension UInt16: TensorElement { public static var elementType: ElementType { .u16 } }
extension UInt32: TensorElement { public static var elementType: ElementType { .u32 } }
extension UInt64: TensorElement { public static var elementType: ElementType { .u64 } }
extension Bool: TensorElement { public static var elementType: ElementType { .boolean } }
#if arch(x86_64) || arch(arm64)
@available(macOS 11.0, *)
extension Float16: TensorElement { public static var elementType: ElementType { .f16 } }
#endif
