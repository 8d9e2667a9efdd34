import Foundation

/// Encodes and decodes KServe v2 inference bodies: JSON tensors and the binary tensor data extension
/// (a JSON header of `Inference-Header-Content-Length` bytes followed by the raw tensor bytes, in
/// input order). Used by the HTTP server and by remote deployment handles, so both speak exactly
/// what tritonclient speaks.
public enum KServeCodec {
    /// The HTTP header that announces a binary body's JSON header length.
    public static let headerLengthField = "Inference-Header-Content-Length"

    /// A decoded request plus how the client wants outputs returned.
    public struct DecodedRequest: Sendable {
        public var request: InferenceRequest
        /// Outputs to send as binary data (by name); `allBinary` covers outputs not named.
        public var binaryOutputs: Set<String>
        public var allBinary: Bool
    }

    /// An encoded body and, for binary bodies, the JSON header length to send in `headerLengthField`.
    ///
    /// Kept as its parts (the JSON, then each binary tensor's bytes), so a server writes them straight
    /// into its outgoing buffer instead of first joining megabytes of tensor data here.
    public struct Body: Sendable {
        public var parts: [Data]
        public var jsonHeaderLength: Int?

        /// The body's size in bytes.
        public var byteCount: Int { parts.reduce(0) { $0 + $1.count } }

        /// The body as one buffer.
        public var data: Data {
            guard parts.count > 1 else { return parts.first ?? Data() }
            var data = Data(capacity: byteCount)
            for part in parts { data.append(part) }
            return data
        }
    }

    // MARK: - Requests

    /// Decodes an infer request body; `headerLength` is the `Inference-Header-Content-Length` value, if any.
    public static func decodeRequest(_ body: Data, headerLength: Int?) throws(ServingError) -> DecodedRequest {
        let (json, binary) = try split(body, headerLength: headerLength)
        guard let object = try parseObject(json, what: "request") as [String: Any]? else { throw invalid("the request body must be a JSON object") }
        guard let inputs = object["inputs"] as? [[String: Any]], !inputs.isEmpty else {
            throw invalid("the request needs a non-empty \"inputs\" array")
        }
        var offset = 0
        var tensors: [TensorData] = []
        for input in inputs {
            tensors.append(try decodeTensor(input, binary: binary, offset: &offset))
        }
        guard offset == binary.count else {
            throw invalid("the body has \(binary.count - offset) bytes of binary data that no input claims")
        }
        let parameters = object["parameters"] as? [String: Any] ?? [:]
        var binaryOutputs: Set<String> = []
        var names: [String]?
        if let outputs = object["outputs"] as? [[String: Any]] {
            names = []
            for output in outputs {
                guard let name = output["name"] as? String else { throw invalid("every entry of \"outputs\" needs a \"name\"") }
                names?.append(name)
                if (output["parameters"] as? [String: Any])?["binary_data"] as? Bool == true { binaryOutputs.insert(name) }
            }
        }
        var request = InferenceRequest(id: object["id"] as? String, inputs: tensors, outputs: names)
        if let priority = parameters["priority"].flatMap(integer) { request.priority = priority }
        if let timeout = parameters["timeout"].flatMap(integer), timeout > 0 {
            // KServe/Triton express the timeout in microseconds.
            request.deadline = .now + .microseconds(timeout)
        }
        return DecodedRequest(request: request, binaryOutputs: binaryOutputs,
                              allBinary: parameters["binary_data_output"] as? Bool == true)
    }

    /// Encodes a request with every input as binary data and binary outputs requested (as tritonclient does).
    public static func encodeRequest(_ request: InferenceRequest) -> Body {
        var header: [String: Any] = [:]
        if let id = request.id { header["id"] = id }
        header["inputs"] = request.inputs.map { tensor in
            ["name": tensor.name, "shape": tensor.shape, "datatype": tensor.datatype.rawValue,
             "parameters": ["binary_data_size": tensor.data.count]] as [String: Any]
        }
        var parameters: [String: Any] = ["binary_data_output": true]
        if request.priority != 0 { parameters["priority"] = request.priority }
        if let deadline = request.deadline {
            let remaining = (deadline - .now).components
            parameters["timeout"] = max(1, Int(remaining.seconds) * 1_000_000 + Int(remaining.attoseconds / 1_000_000_000_000))
        }
        header["parameters"] = parameters
        if let outputs = request.outputs {
            header["outputs"] = outputs.map { ["name": $0, "parameters": ["binary_data": true]] as [String: Any] }
        }
        return binaryBody(json: serialize(header), tensors: request.inputs)
    }

    // MARK: - Responses

    /// Encodes a response; outputs go as binary data when asked for, else as JSON arrays.
    public static func encodeResponse(_ response: InferenceResponse, binaryOutputs: Set<String>, allBinary: Bool) -> Body {
        // Written by hand rather than through JSONSerialization: an output of tens of thousands of
        // numbers is the common case, and boxing each one costs more than the inference.
        var json = "{\"model_name\":\(quoted(response.modelName)),\"model_version\":\(quoted(response.modelVersion))"
        if let id = response.id { json += ",\"id\":\(quoted(id))" }
        json += ",\"outputs\":["
        var binaryTensors: [TensorData] = []
        for (index, tensor) in response.outputs.enumerated() {
            if index > 0 { json += "," }
            json += "{\"name\":\(quoted(tensor.name)),\"datatype\":\"\(tensor.datatype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
            // JSON has no NaN or infinity; a tensor holding one goes as binary data instead.
            if !(allBinary || binaryOutputs.contains(tensor.name)), let values = jsonArray(tensor) {
                json += "\"data\":\(values)}"
            } else {
                json += "\"parameters\":{\"binary_data_size\":\(tensor.data.count)}}"
                binaryTensors.append(tensor)
            }
        }
        json += "]}"
        let header = Data(json.utf8)
        guard !binaryTensors.isEmpty else { return Body(parts: [header], jsonHeaderLength: nil) }
        return binaryBody(json: header, tensors: binaryTensors)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// The tensor's values as a flat JSON array, or nil if one is not representable (NaN, infinity).
    static func jsonArray(_ tensor: TensorData) -> String? {
        tensor.data.withUnsafeBytes { raw -> String? in
            var text = "["
            text.reserveCapacity(tensor.elementCount * 10 + 2)
            var first = true
            func add(_ item: String) {
                if !first { text += "," }
                first = false
                text += item
            }
            func floats<T: BinaryFloatingPoint & LosslessStringConvertible>(_ values: some Sequence<T>) -> Bool {
                for value in values {
                    guard value.isFinite else { return false }
                    add(value.description)
                }
                return true
            }
            func integers<T: BinaryInteger>(_: T.Type) {
                for index in 0..<(raw.count / MemoryLayout<T>.size) {
                    add(String(raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self)))
                }
            }
            func load<T>(_: T.Type) -> [T] {
                (0..<(raw.count / MemoryLayout<T>.size)).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
            }
            switch tensor.datatype {
            case .bool: for byte in raw { add(byte != 0 ? "true" : "false") }
            case .fp32: guard floats(load(Float.self)) else { return nil }
            case .fp64: guard floats(load(Double.self)) else { return nil }
            case .fp16: guard floats(load(UInt16.self).map { Float(Float16(bitPattern: $0)) }) else { return nil }
            case .bf16: guard floats(load(UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }) else { return nil }
            case .int8: integers(Int8.self)
            case .int16: integers(Int16.self)
            case .int32: integers(Int32.self)
            case .int64: integers(Int64.self)
            case .uint8: integers(UInt8.self)
            case .uint16: integers(UInt16.self)
            case .uint32: integers(UInt32.self)
            case .uint64: integers(UInt64.self)
            }
            return text + "]"
        }
    }

    /// Decodes a response body (JSON or binary).
    public static func decodeResponse(_ body: Data, headerLength: Int?) throws(ServingError) -> InferenceResponse {
        let (json, binary) = try split(body, headerLength: headerLength)
        guard let object = try parseObject(json, what: "response") as [String: Any]? else { throw invalid("the response must be a JSON object") }
        if let error = object["error"] {
            throw ServingError(.remoteFailed, "the server answered with an error: \(error)")
        }
        guard let outputs = object["outputs"] as? [[String: Any]] else { throw invalid("the response has no \"outputs\"") }
        var offset = 0
        var tensors: [TensorData] = []
        for output in outputs { tensors.append(try decodeTensor(output, binary: binary, offset: &offset)) }
        return InferenceResponse(id: object["id"] as? String, modelName: object["model_name"] as? String ?? "",
                                 modelVersion: object["model_version"] as? String ?? "", outputs: tensors)
    }

    // MARK: - Pieces

    private static func split(_ body: Data, headerLength: Int?) throws(ServingError) -> (json: Data, binary: Data) {
        guard !body.isEmpty else { throw invalid("the body is empty; send a KServe v2 JSON request") }
        guard let headerLength else { return (body, Data()) }
        guard headerLength > 0, headerLength <= body.count else {
            throw invalid("\(headerLengthField) is \(headerLength) but the body has \(body.count) bytes")
        }
        let start = body.startIndex
        return (body[start..<(start + headerLength)], body[(start + headerLength)...])
    }

    private static func parseObject(_ json: Data, what: String) throws(ServingError) -> [String: Any]? {
        do {
            return try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) as? [String: Any]
        } catch {
            throw invalid("the \(what) is not valid JSON (\((error as NSError).localizedDescription))")
        }
    }

    private static func decodeTensor(_ entry: [String: Any], binary: Data, offset: inout Int) throws(ServingError) -> TensorData {
        guard let name = entry["name"] as? String else { throw invalid("every tensor needs a \"name\"") }
        guard let rawType = entry["datatype"] as? String else { throw invalid("tensor '\(name)' needs a \"datatype\"") }
        guard let datatype = TensorData.Datatype(rawValue: rawType) else {
            throw invalid("tensor '\(name)': unsupported datatype '\(rawType)'; use one of \(TensorData.Datatype.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let shapeValues = entry["shape"] as? [Any], let shape = integers(shapeValues) else {
            throw invalid("tensor '\(name)' needs a \"shape\" array of integers")
        }
        guard let count = TensorData.elementCount(shape) else { throw invalid("tensor '\(name)': shape \(shape) is negative or too large") }
        if let size = (entry["parameters"] as? [String: Any])?["binary_data_size"] {
            guard let size = integer(size), size >= 0 else { throw invalid("tensor '\(name)': binary_data_size must be a non-negative integer") }
            guard offset + size <= binary.count else {
                throw invalid("tensor '\(name)' claims \(size) bytes of binary data but only \(binary.count - offset) remain")
            }
            let start = binary.startIndex + offset
            offset += size
            // A slice shares the body's storage: a request's tensor bytes are copied once, into the model's input.
            return try TensorData(name: name, datatype: datatype, shape: shape, data: binary[start..<(start + size)])
        }
        guard let values = entry["data"] else { throw invalid("tensor '\(name)' has neither \"data\" nor binary_data_size") }
        var flat: [Any] = []
        flatten(values, into: &flat)
        guard flat.count == count else { throw invalid("tensor '\(name)': \(flat.count) values for shape \(shape) (\(count) elements)") }
        return try TensorData(name: name, datatype: datatype, shape: shape, data: try encodeValues(flat, as: datatype, name: name))
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            guard let integer = integer(value) else { return nil }
            result.append(integer)
        }
        return result
    }

    /// A JSON number that is a whole number of sensible size, else nil.
    private static func integer(_ value: Any) -> Int? {
        guard let number = number(value), number == number.rounded(), abs(number) < 1e15 else { return nil }
        return Int(number)
    }

    /// JSON `true`/`false`. Foundation bridges every number to NSNumber, and on Linux `1 is Bool` holds,
    /// so booleans are told apart by their boxed class.
    private static func isBoolean(_ value: Any) -> Bool {
        if let number = value as? NSNumber { return String(describing: type(of: number)).contains("Boolean") }
        return value is Bool
    }

    /// A JSON number as Double (Foundation yields Int, Double or NSNumber depending on the platform).
    private static func number(_ value: Any) -> Double? {
        if isBoolean(value) { return nil }
        if let value = value as? Int { return Double(value) }
        if let value = value as? Double { return value }
        if let value = value as? NSNumber { return value.doubleValue }
        return nil
    }

    private static func flatten(_ value: Any, into result: inout [Any]) {
        if let array = value as? [Any] {
            for element in array { flatten(element, into: &result) }
        } else {
            result.append(value)
        }
    }

    private static func encodeValues(_ values: [Any], as datatype: TensorData.Datatype, name: String) throws(ServingError) -> Data {
        var data = Data(capacity: values.count * datatype.byteSize)
        func append<T>(_ value: T) { withUnsafeBytes(of: value) { data.append(contentsOf: $0) } }
        for value in values {
            if datatype == .bool {
                guard let flag = value as? Bool else { throw invalid("tensor '\(name)': BOOL data must be true or false") }
                append(UInt8(flag ? 1 : 0))
                continue
            }
            // A Double holds integers exactly only up to 2^53: 64-bit integers are taken as integers.
            if datatype == .int64, !isBoolean(value), let exact = value as? Int64 { append(exact); continue }
            if datatype == .uint64, !isBoolean(value), let exact = value as? UInt64 { append(exact); continue }
            guard let number = number(value) else {
                throw invalid("tensor '\(name)': \(datatype.rawValue) data must be numbers, found \(type(of: value))")
            }
            if datatype != .fp32 && datatype != .fp64 {
                guard number == number.rounded(), number >= integerRange(datatype).lowerBound, number <= integerRange(datatype).upperBound else {
                    throw invalid("tensor '\(name)': \(number) is not a valid \(datatype.rawValue) value")
                }
            }
            switch datatype {
            case .fp32: append(Float(number))
            case .fp64: append(number)
            case .int8: append(Int8(number))
            case .int16: append(Int16(number))
            case .int32: append(Int32(number))
            case .int64: append(Int64(number))
            case .uint8: append(UInt8(number))
            case .uint16: append(UInt16(number))
            case .uint32: append(UInt32(number))
            case .uint64: append(UInt64(number))
            case .fp16, .bf16: throw invalid("tensor '\(name)': \(datatype.rawValue) must be sent as binary data")
            case .bool: break
            }
        }
        return data
    }

    private static func integerRange(_ datatype: TensorData.Datatype) -> ClosedRange<Double> {
        switch datatype {
        case .int8: -128...127
        case .int16: -32768...32767
        case .int32: -2147483648...2147483647
        case .uint8: 0...255
        case .uint16: 0...65535
        case .uint32: 0...4294967295
        case .uint64: 0...18446744073709549568
        default: -9223372036854775808...9223372036854774784
        }
    }


    private static func binaryBody(json: Data, tensors: [TensorData]) -> Body {
        Body(parts: [json] + tensors.map(\.data), jsonHeaderLength: json.count)
    }

    static func serialize(_ object: [String: Any]) -> Data {
        // Every value put in these dictionaries is JSON-representable, so serialization cannot fail.
        (try? JSONSerialization.data(withJSONObject: object, options: [])) ?? Data("{}".utf8)
    }

    private static func invalid(_ message: String) -> ServingError { ServingError(.invalidInput, message) }
}
