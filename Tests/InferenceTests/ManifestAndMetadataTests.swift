import Foundation
import Testing
@testable import Inference

@Suite struct ManifestAndMetadataTests {
    @Test func manifestRoundTripsThroughJSON() throws {
        let original = try Fixtures.repository.manifest(named: "nudenet-320n")
        let scratch = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("manifest.json").path
        try ModelRepository.write(original, to: path)
        let decoded = try JSONDecoder().decode(ModelManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(decoded == original)
        #expect(decoded.labels.count == 18 && decoded.labels.first == "FEMALE_GENITALIA_COVERED" && decoded.labels.last == "BUTTOCKS_COVERED")
        let json = try String(contentsOfFile: path, encoding: .utf8)
        #expect(json.contains("\"file_sha256\"") && json.contains("\"element_type\" : \"f32\"") && json.contains("\"wheel_sha256\""))
    }

    @Test func recognitionCharactersComeFromTheONNXMetadata() throws {
        let path = try Fixtures.modelPath("ppocr-v4-rec")
        let properties = try ONNXMetadata.properties(in: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        let characters = try #require(properties["character"]).split(separator: "\n").map(String.init)
        #expect(characters.count > 6000)
        for expected in ["0", "9", "a", "Z", "中", "文", "%"] { #expect(characters.contains(expected), "\(expected)") }

        let labels = try ModelRepository.ctcLabels(ofONNXFile: path, metadataKey: "character")
        let manifest = try Fixtures.repository.manifest(named: "ppocr-v4-rec")
        #expect(manifest.labels == labels)
        #expect(labels.first == "blank" && labels.last == " ")
        #expect(labels.count == manifest.outputs[0].shape.last, "one label per output class")
    }

    @Test func metadataOfAHandBuiltProtobuf() throws {
        // ir_version = 8 (field 1 varint), metadata_props { key: "k", value: "v" }, a fixed32 field 20.
        let entry: [UInt8] = [0x0A, 1, UInt8(ascii: "k"), 0x12, 1, UInt8(ascii: "v")]
        let bytes: [UInt8] = [0x08, 8, 0x72, UInt8(entry.count)] + entry + [0xA5, 0x01, 1, 2, 3, 4]
        #expect(try ONNXMetadata.properties(in: bytes) == ["k": "v"])
        #expect(try ONNXMetadata.properties(in: []) == [:])
    }

    @Test(arguments: [
        [0x08] as [UInt8],                      // varint cut off
        [0x72, 10, 0x0A],                       // length beyond the end
        [0x0B, 0x00],                           // group wire type 3
        [0x08] + [UInt8](repeating: 0xFF, count: 11), // varint over 64 bits
        [0x72, 3, 0x0A, 5, 0x61],               // entry whose key overruns the entry
        [0x00, 0x00],                           // field number 0
        [0x0D, 1, 2],                           // truncated fixed32
    ])
    func malformedProtobufIsModelInvalid(bytes: [UInt8]) {
        let error = #expect(throws: InferenceError.self) { try ONNXMetadata.properties(in: bytes) }
        #expect(error?.code == .modelInvalid)
    }

    @Test func randomBytesNeverCrashTheParser() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? ONNXMetadata.properties(in: bytes)
        }
    }
}
