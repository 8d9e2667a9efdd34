import Foundation
import Serving
import Testing

private func jsonBody(_ object: Any) -> Data { try! JSONSerialization.data(withJSONObject: object) }

/// KServe v2 bodies: JSON and binary tensor data, both directions, and the errors a malformed body gets.
@Suite struct KServeCodecTests {
    static func bytes<T>(_ values: [T]) -> Data { values.withUnsafeBytes { Data($0) } }

    static let floats = TensorData(name: "pixels", shape: [2, 3], floats: [0, -1.5, 3.25, 1e-7, 65504, 0.1])
    static let longs = try! TensorData(name: "ids", datatype: .int64, shape: [1, 4], data: bytes([Int64.min, -1, 0, Int64.max]))
    static let flags = try! TensorData(name: "mask", datatype: .bool, shape: [3], data: Data([1, 0, 1]))
    static let small = try! TensorData(name: "u8", datatype: .uint8, shape: [1, 1, 5], data: Data([0, 1, 2, 254, 255]))
    static let empty = try! TensorData(name: "none", datatype: .fp32, shape: [0, 3], data: Data())


    /// The error a decode of `body` raises; records an issue when it does not fail.
    static func requestError(_ body: Data, headerLength: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> ServingError? {
        do {
            let decoded = try KServeCodec.decodeRequest(body, headerLength: headerLength)
            Issue.record("decoded a malformed body: \(decoded.request.inputs)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Requests

    @Test func binaryRequestsRoundTrip() throws {
        let deadline = ContinuousClock.now + .seconds(30)
        let request = InferenceRequest(id: "req-7", inputs: [Self.floats, Self.longs, Self.flags, Self.small, Self.empty],
                                       outputs: ["boxes", "scores"], priority: 3, deadline: deadline)
        let body = KServeCodec.encodeRequest(request)
        let headerLength = try #require(body.jsonHeaderLength)
        // The header is JSON and the tensors follow it back to back, in input order.
        let header = try #require(try JSONSerialization.jsonObject(with: body.data.prefix(headerLength)) as? [String: Any])
        #expect((header["inputs"] as? [Any])?.count == 5)
        #expect(body.data.count == headerLength + request.inputs.reduce(0) { $0 + $1.data.count })

        let decoded = try KServeCodec.decodeRequest(body.data, headerLength: headerLength)
        #expect(decoded.request.id == "req-7")
        #expect(decoded.request.inputs == request.inputs)
        #expect(decoded.request.outputs == ["boxes", "scores"])
        #expect(decoded.request.priority == 3)
        #expect(decoded.binaryOutputs == ["boxes", "scores"])
        #expect(decoded.allBinary)
        // The deadline travels as a relative timeout (microseconds left), so it comes back near the
        // original, shifted by the time between encoding and decoding (the window is generous on purpose).
        let decodedDeadline = try #require(decoded.request.deadline)
        #expect(decodedDeadline > deadline - .seconds(20) && decodedDeadline < deadline + .seconds(20))
    }

    @Test func aBinaryBodyDecodesFromASliceOfALargerBuffer() throws {
        // Servers hand the codec a slice of their receive buffer; indices must not be assumed to start at 0.
        let body = KServeCodec.encodeRequest(InferenceRequest(inputs: [Self.floats, Self.small]))
        let padded = Data([9, 9, 9]) + body.data
        let slice = padded[3...]
        let decoded = try KServeCodec.decodeRequest(slice, headerLength: body.jsonHeaderLength)
        #expect(decoded.request.inputs == [Self.floats, Self.small])
    }

    @Test func jsonRequestsDecodeNestedDataOfEveryJSONType() throws {
        let body = jsonBody([
            "id": "j1",
            "inputs": [
                ["name": "f", "datatype": "FP32", "shape": [2, 2], "data": [[1.5, -2], [0.25, 3]]],
                ["name": "i", "datatype": "INT32", "shape": [3], "data": [-7, 0, 2_000_000_000]],
                ["name": "b", "datatype": "BOOL", "shape": [1, 2], "data": [true, false]],
                ["name": "u", "datatype": "UINT8", "shape": [1], "data": [255]],
                ["name": "d", "datatype": "FP64", "shape": [1], "data": [0.1]],
                ["name": "l", "datatype": "INT64", "shape": [1, 1], "data": [[-9_000_000_000]]],
            ],
            "outputs": [["name": "a", "parameters": ["binary_data": true]], ["name": "b"]],
            "parameters": ["priority": 2, "timeout": 5_000_000],
        ] as [String: Any])
        let decoded = try KServeCodec.decodeRequest(body, headerLength: nil)
        let request = decoded.request
        #expect(request.id == "j1")
        #expect(request.input(named: "f")?.floats() == [1.5, -2, 0.25, 3])
        #expect(request.input(named: "f")?.shape == [2, 2])
        #expect(request.input(named: "i")?.int32s == [-7, 0, 2_000_000_000])
        #expect(request.input(named: "b")?.data == Data([1, 0]))
        #expect(request.input(named: "u")?.data == Data([255]))
        #expect(request.input(named: "d")?.data == Self.bytes([0.1]))
        #expect(request.input(named: "l")?.data == Self.bytes([Int64(-9_000_000_000)]))
        #expect(request.outputs == ["a", "b"])
        #expect(decoded.binaryOutputs == ["a"])
        #expect(!decoded.allBinary)
        #expect(request.priority == 2)
        let deadline = try #require(request.deadline)
        #expect(deadline <= .now + .seconds(5))
    }

    @Test func sixtyFourBitIntegersInJSONAreExact() throws {
        // Beyond 2^53 a Double cannot hold every integer; ids and hashes travel as INT64/UINT64.
        let body = Data("""
            {"inputs": [{"name": "i", "datatype": "INT64", "shape": [4], "data": [9007199254740993, 9223372036854775807, -9223372036854775808, 1.0]},
                        {"name": "u", "datatype": "UINT64", "shape": [2], "data": [18446744073709551615, 9007199254740993]}]}
            """.utf8)
        let request = try KServeCodec.decodeRequest(body, headerLength: nil).request
        #expect(request.input(named: "i")?.data == Self.bytes([Int64(9_007_199_254_740_993), .max, .min, 1]))
        #expect(request.input(named: "u")?.data == Self.bytes([UInt64.max, 9_007_199_254_740_993]))
    }

    // MARK: - Responses

    static let response = InferenceResponse(id: "r9", modelName: "nudenet", modelVersion: "3", outputs: [
        floats, longs, flags, small,
        try! TensorData(name: "u64", datatype: .uint64, shape: [2], data: bytes([UInt64.max, 1])),
        try! TensorData(name: "i8", datatype: .int8, shape: [2], data: bytes([Int8.min, 127])),
    ])

    @Test func binaryResponsesRoundTrip() throws {
        let body = KServeCodec.encodeResponse(Self.response, binaryOutputs: [], allBinary: true)
        let headerLength = try #require(body.jsonHeaderLength)
        let decoded = try KServeCodec.decodeResponse(body.data, headerLength: headerLength)
        #expect(decoded.id == "r9")
        #expect(decoded.modelName == "nudenet")
        #expect(decoded.modelVersion == "3")
        #expect(decoded.outputs == Self.response.outputs)
    }

    @Test func jsonResponsesRoundTripExactly() throws {
        let body = KServeCodec.encodeResponse(Self.response, binaryOutputs: [], allBinary: false)
        #expect(body.jsonHeaderLength == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: body.data) as? [String: Any])
        #expect((object["outputs"] as? [[String: Any]])?.allSatisfy { $0["data"] != nil } == true)
        let decoded = try KServeCodec.decodeResponse(body.data, headerLength: nil)
        #expect(decoded.outputs == Self.response.outputs)
    }

    @Test func someOutputsBinaryOthersJSON() throws {
        let body = KServeCodec.encodeResponse(Self.response, binaryOutputs: ["ids", "mask"], allBinary: false)
        let headerLength = try #require(body.jsonHeaderLength)
        #expect(body.data.count == headerLength + Self.longs.data.count + Self.flags.data.count)
        let decoded = try KServeCodec.decodeResponse(body.data, headerLength: headerLength)
        #expect(decoded.outputs == Self.response.outputs)
    }

    @Test func halfPrecisionOutputsAreReadableAsJSON() throws {
        let halves = try TensorData(name: "h", datatype: .fp16, shape: [2], data: Self.bytes([Float16(1.5).bitPattern, Float16(-2).bitPattern]))
        let brains = try TensorData(name: "bf", datatype: .bf16, shape: [1], data: Self.bytes([UInt16(Float(0.5).bitPattern >> 16)]))
        let body = KServeCodec.encodeResponse(InferenceResponse(modelName: "m", modelVersion: "1", outputs: [halves, brains]),
                                              binaryOutputs: [], allBinary: false)
        let object = try #require(try JSONSerialization.jsonObject(with: body.data) as? [String: Any])
        let outputs = try #require(object["outputs"] as? [[String: Any]])
        #expect((outputs[0]["data"] as? [Double]) == [1.5, -2])
        #expect((outputs[1]["data"] as? [Double]) == [0.5])
    }

    @Test func nonFiniteFloatsInAJSONResponseTravelAsBinary() throws {
        // JSON cannot carry NaN or infinity; the body must still be a valid response with every output.
        let odd = TensorData(name: "odd", shape: [3], floats: [.nan, .infinity, 1])
        let body = KServeCodec.encodeResponse(InferenceResponse(id: "n", modelName: "m", modelVersion: "1", outputs: [Self.floats, odd]),
                                              binaryOutputs: [], allBinary: false)
        let length = try #require(body.jsonHeaderLength)
        let decoded = try KServeCodec.decodeResponse(body.data, headerLength: length)
        #expect(decoded.id == "n")
        #expect(decoded.modelName == "m")
        #expect(decoded.outputs.map(\.name) == ["pixels", "odd"])
        #expect(decoded.outputs.first == Self.floats)
        let values = try #require(decoded.output(named: "odd")?.floats())
        #expect(values[0].isNaN && values[1] == .infinity && values[2] == 1)
    }

    @Test func aResponseCarryingAnErrorIsARemoteFailure() {
        #expect(throws: ServingError(.remoteFailed, "the server answered with an error: queue full")) {
            try KServeCodec.decodeResponse(jsonBody(["error": "queue full"]), headerLength: nil)
        }
        let missing = #expect(throws: ServingError.self) {
            try KServeCodec.decodeResponse(jsonBody(["model_name": "m"]), headerLength: nil)
        }
        #expect(missing?.code == .invalidInput)
    }

    // MARK: - Malformed bodies

    @Test(arguments: [
        ("empty body", Data(), "empty"),
        ("not JSON", Data("{\"inputs\": [".utf8), "not valid JSON"),
        ("not an object", Data("[1, 2]".utf8), "JSON object"),
        ("no inputs", Data("{\"id\": \"x\"}".utf8), "non-empty \"inputs\""),
        ("empty inputs", Data("{\"inputs\": []}".utf8), "non-empty \"inputs\""),
        ("inputs not an array", Data("{\"inputs\": 3}".utf8), "non-empty \"inputs\""),
        ("nameless tensor", jsonBody(["inputs": [["datatype": "FP32", "shape": [1], "data": [1]]]]), "needs a \"name\""),
        ("no datatype", jsonBody(["inputs": [["name": "x", "shape": [1], "data": [1]]]]), "needs a \"datatype\""),
        ("unknown datatype", jsonBody(["inputs": [["name": "x", "datatype": "FP8", "shape": [1], "data": [1]]]]), "unsupported datatype 'FP8'"),
        ("BYTES datatype", jsonBody(["inputs": [["name": "x", "datatype": "BYTES", "shape": [1], "data": ["a"]]]]), "unsupported datatype 'BYTES'"),
        ("no shape", jsonBody(["inputs": [["name": "x", "datatype": "FP32", "data": [1]]]]), "\"shape\" array of integers"),
        ("fractional shape", jsonBody(["inputs": [["name": "x", "datatype": "FP32", "shape": [1.5], "data": [1]]]]), "\"shape\" array of integers"),
        ("textual shape", jsonBody(["inputs": [["name": "x", "datatype": "FP32", "shape": ["2"], "data": [1, 2]]]]), "\"shape\" array of integers"),
        ("negative shape", jsonBody(["inputs": [["name": "x", "datatype": "FP32", "shape": [-1, 2], "data": [1, 2]]]]), "negative"),
        ("too few values", jsonBody(["inputs": [["name": "x", "datatype": "FP32", "shape": [2, 2], "data": [1, 2, 3]]]]), "3 values for shape [2, 2]"),
        ("too many values", jsonBody(["inputs": [["name": "x", "datatype": "INT32", "shape": [1], "data": [1, 2]]]]), "2 values for shape [1]"),
        ("no data", jsonBody(["inputs": [["name": "x", "datatype": "FP32", "shape": [1]]]]), "neither \"data\" nor binary_data_size"),
        ("text as numbers", jsonBody(["inputs": [["name": "x", "datatype": "FP32", "shape": [1], "data": ["one"]]]]), "must be numbers"),
        ("text as BOOL", jsonBody(["inputs": [["name": "x", "datatype": "BOOL", "shape": [1], "data": ["yes"]]]]), "true or false"),
        ("fraction as INT32", jsonBody(["inputs": [["name": "x", "datatype": "INT32", "shape": [1], "data": [1.5]]]]), "not a valid INT32"),
        ("out of UINT8 range", jsonBody(["inputs": [["name": "x", "datatype": "UINT8", "shape": [1], "data": [256]]]]), "not a valid UINT8"),
        ("negative UINT64", jsonBody(["inputs": [["name": "x", "datatype": "UINT64", "shape": [1], "data": [-1]]]]), "not a valid UINT64"),
        ("FP16 as JSON", jsonBody(["inputs": [["name": "x", "datatype": "FP16", "shape": [1], "data": [1]]]]), "binary data"),
        ("binary size without binary", jsonBody(["inputs": [["name": "x", "datatype": "FP32", "shape": [1], "parameters": ["binary_data_size": 4]]]]), "only 0 remain"),
    ] as [(String, Data, String)])
    func malformedJSONBodiesAreInvalidInputWithAHelpfulMessage(label: String, body: Data, fragment: String) {
        let error = Self.requestError(body)
        #expect(error?.code == .invalidInput, "\(label)")
        #expect(error?.message.contains(fragment) == true, "\(label): \(error?.message ?? "no error")")
    }

    /// A binary body: `header` as JSON followed by `binary`.
    static func binaryBody(_ header: [String: Any], _ binary: Data) -> (Data, Int) {
        let json = jsonBody(header)
        return (json + binary, json.count)
    }

    static func binaryInput(_ size: Int, shape: [Int] = [3], datatype: String = "FP32") -> [String: Any] {
        ["inputs": [["name": "x", "datatype": datatype, "shape": shape, "parameters": ["binary_data_size": size]]]]
    }

    @Test func binaryBodiesWithWrongByteCountsAreInvalidInput() throws {
        // Fewer bytes than the shape needs (the tensor claims them all).
        var (body, length) = Self.binaryBody(Self.binaryInput(8), Data(count: 8))
        var error = Self.requestError(body, headerLength: length)
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("8 bytes given, shape [3] of FP32 needs 12") == true, "\(error?.message ?? "")")

        // A size larger than what follows the header.
        (body, length) = Self.binaryBody(Self.binaryInput(12), Data(count: 11))
        error = Self.requestError(body, headerLength: length)
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("claims 12 bytes of binary data but only 11 remain") == true, "\(error?.message ?? "")")

        // Bytes that no input claims.
        (body, length) = Self.binaryBody(Self.binaryInput(12), Data(count: 16))
        error = Self.requestError(body, headerLength: length)
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("4 bytes of binary data that no input claims") == true, "\(error?.message ?? "")")

        // Sizes that are not non-negative integers, or so large that offsets would overflow.
        for size in [-4, Int.max, Int.max - 2] {
            (body, length) = Self.binaryBody(Self.binaryInput(size), Data(count: 12))
            error = Self.requestError(body, headerLength: length)
            #expect(error?.code == .invalidInput, "binary_data_size \(size)")
        }
        (body, length) = Self.binaryBody(["inputs": [["name": "x", "datatype": "FP32", "shape": [3], "parameters": ["binary_data_size": "12"]]]], Data(count: 12))
        error = Self.requestError(body, headerLength: length)
        #expect(error?.message.contains("binary_data_size must be a non-negative integer") == true, "\(error?.message ?? "")")

        // Two inputs whose sizes add up past the end.
        let two: [String: Any] = ["inputs": [
            ["name": "a", "datatype": "UINT8", "shape": [4], "parameters": ["binary_data_size": 4]],
            ["name": "b", "datatype": "UINT8", "shape": [4], "parameters": ["binary_data_size": 4]],
        ]]
        (body, length) = Self.binaryBody(two, Data(count: 6))
        error = Self.requestError(body, headerLength: length)
        #expect(error?.message.contains("'b' claims 4 bytes of binary data but only 2 remain") == true, "\(error?.message ?? "")")
    }

    @Test func aHeaderLengthOutsideTheBodyIsInvalidInput() throws {
        let (body, length) = Self.binaryBody(Self.binaryInput(12), Data(count: 12))
        for bad in [body.count + 1, 1_000_000, 0, -5] {
            let error = Self.requestError(body, headerLength: bad)
            #expect(error?.code == .invalidInput, "header length \(bad)")
            #expect(error?.message.contains(KServeCodec.headerLengthField) == true, "\(error?.message ?? "")")
        }
        // A length that cuts the JSON short is caught as bad JSON, not read past.
        let cut = Self.requestError(body, headerLength: length - 3)
        #expect(cut?.code == .invalidInput)
        // The right length decodes.
        #expect(try KServeCodec.decodeRequest(body, headerLength: length).request.inputs.first?.shape == [3])
    }

    @Test func aMalformedResponseIsInvalidInputToo() {
        let (body, length) = Self.binaryBody(["outputs": [["name": "y", "datatype": "FP32", "shape": [2], "parameters": ["binary_data_size": 8]]]], Data(count: 4))
        let error = #expect(throws: ServingError.self) { try KServeCodec.decodeResponse(body, headerLength: length) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("only 4 remain") == true)
    }
}
