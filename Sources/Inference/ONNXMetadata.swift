/// Reads `ModelProto.metadata_props` (field 14, `StringStringEntryProto` key = 1, value = 2) from an
/// ONNX file's protobuf bytes without a protobuf library.
///
/// The walker skips every other field by wire type, so the multi-megabyte graph is never decoded.
/// Malformed input (truncated fields, bad varints, group wire types) is `.modelInvalid`, never a crash.
public enum ONNXMetadata {
    /// All metadata entries in file order; a repeated key keeps its last value, as protobuf maps do.
    public static func properties(in bytes: [UInt8]) throws(InferenceError) -> [String: String] {
        var properties: [String: String] = [:]
        var reader = ProtobufReader(bytes[...])
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            if field == 14, wireType == 2 {
                let entry = try reader.readLengthDelimited()
                let (key, value) = try parseEntry(entry)
                properties[key] = value
            } else {
                try reader.skip(wireType: wireType)
            }
        }
        return properties
    }

    private static func parseEntry(_ bytes: ArraySlice<UInt8>) throws(InferenceError) -> (String, String) {
        var reader = ProtobufReader(bytes)
        var key = "", value = ""
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch (field, wireType) {
            case (1, 2): key = try reader.readString()
            case (2, 2): value = try reader.readString()
            default: try reader.skip(wireType: wireType)
            }
        }
        return (key, value)
    }
}

/// A cursor over protobuf wire-format bytes.
struct ProtobufReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { bytes.isEmpty }

    private func malformed(_ what: String) -> InferenceError {
        InferenceError(.modelInvalid, operation: "parse ONNX protobuf", message: what)
    }

    mutating func readVarint() throws(InferenceError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.popFirst() {
            guard shift < 64, shift < 63 || byte <= 1 else { throw malformed("varint longer than 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw malformed("truncated varint")
    }

    mutating func readTag() throws(InferenceError) -> (field: UInt64, wireType: UInt8) {
        let tag = try readVarint()
        let field = tag >> 3
        guard field > 0 else { throw malformed("field number 0") }
        return (field, UInt8(tag & 7))
    }

    mutating func readLengthDelimited() throws(InferenceError) -> ArraySlice<UInt8> {
        let length = try readVarint()
        guard length <= UInt64(bytes.count) else { throw malformed("field of \(length) bytes with \(bytes.count) left") }
        let field = bytes.prefix(Int(length))
        bytes = bytes.dropFirst(Int(length))
        return field
    }

    mutating func readString() throws(InferenceError) -> String {
        let raw = try readLengthDelimited()
        guard let string = String(validating: raw, as: UTF8.self) else { throw malformed("string field is not UTF-8") }
        return string
    }

    mutating func skip(wireType: UInt8) throws(InferenceError) {
        switch wireType {
        case 0: _ = try readVarint()
        case 1: try skipBytes(8)
        case 2: _ = try readLengthDelimited()
        case 5: try skipBytes(4)
        default: throw malformed("unsupported wire type \(wireType)")
        }
    }

    private mutating func skipBytes(_ count: Int) throws(InferenceError) {
        guard bytes.count >= count else { throw malformed("truncated fixed-width field") }
        bytes = bytes.dropFirst(count)
    }
}
