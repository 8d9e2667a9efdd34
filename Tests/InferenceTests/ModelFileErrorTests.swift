import Foundation
import PlayheadCore
import Testing
@testable import Inference

@Suite struct ModelFileErrorTests {
    @Test func missingFileIsModelNotFound() throws {
        let error = #expect(throws: InferenceError.self) { try Fixtures.core.readModel(path: "/nonexistent/model.onnx") }
        #expect(error?.code == .modelNotFound)
        #expect(error?.playheadError.code == .modelNotFound)
    }

    @Test func randomBytesNamedOnnxAreModelInvalidWithOpenVINOsMessage() throws {
        let scratch = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("random.onnx").path
        var generator = SystemRandomNumberGenerator()
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: InferenceError.self) { try Fixtures.core.readModel(path: path) }
        #expect(error?.code == .modelInvalid)
        #expect(error?.playheadError.code == .modelInvalid)
        #expect(error?.status != nil, "the failure should come from OpenVINO")
        // OpenVINO's own words follow its status text ("general error: ...").
        #expect((error?.message.count ?? 0) > "general error".count + 10)
    }

    @Test(arguments: ["nudenet-320n", "blazeface-short"])
    func truncatedRealModelIsModelInvalid(name: String) throws {
        let scratch = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let source = try Fixtures.modelPath(name)
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let path = scratch.appendingPathComponent(URL(fileURLWithPath: source).lastPathComponent).path
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: InferenceError.self) { try Fixtures.core.readModel(path: path) }
        #expect(error?.code == .modelInvalid)
        #expect(error?.message.isEmpty == false)
        #expect(error?.operation.contains(path) == true)
    }
}
