import Testing
@testable import Inference

/// Swift results against OpenVINO's own Python API on identical input bytes, both at f32.
///
/// Tolerance: |swift − python| ≤ 1e-4 + 1e-5·|python| per value. Same library, same kernels, same
/// precision: the values agree to float rounding; the relative term covers NudeNet's pixel-scale boxes.
@Suite struct ReferenceTests {
    static func expectClose(_ swift: [Tensor], _ reference: [Fixtures.ReferenceOutput]) throws {
        #expect(swift.count == reference.count)
        for (output, expected) in zip(swift, reference) {
            #expect(output.shape == expected.shape)
            let values = try output.floats()
            #expect(values.count == expected.values.count)
            var worst: Float = 0
            for (a, b) in zip(values, expected.values) {
                let excess = abs(a - b) - (1e-4 + 1e-5 * abs(b))
                worst = max(worst, excess)
            }
            #expect(worst <= 0, "max excess over tolerance \(worst)")
            #expect(values.contains { $0 != 0 }, "an all-zero output would make the comparison vacuous")
        }
    }

    @Test func blazeFaceMatchesOpenVINOPython() async throws {
        let shape = [1, 128, 128, 3]
        let input = Fixtures.pattern(count: shape.reduce(1, *))
        let compiled = try Fixtures.compiled("blazeface-short")
        let pool = try InferRequestPool(model: compiled, size: 1)
        let outputs = try await pool.infer([Tensor(shape: shape, floats: input)])
        let reference = try await Fixtures.pythonReference(model: Fixtures.modelPath("blazeface-short"), inputs: [(shape, input)])
        try Self.expectClose(outputs, reference)
        #expect(outputs.map(\.shape) == [[1, 896, 16], [1, 896, 1]])
    }

    @Test func nudeNetMatchesOpenVINOPython() async throws {
        let shape = [1, 3, 320, 320]
        let input = Fixtures.pattern(count: shape.reduce(1, *), low: 0, high: 1)
        let compiled = try Fixtures.compiled("nudenet-320n", shape: shape)
        let request = try compiled.makeInferRequest()
        let outputs = try await request.infer([Tensor(shape: shape, floats: input)])
        let reference = try await Fixtures.pythonReference(model: Fixtures.modelPath("nudenet-320n"), inputs: [(shape, input)])
        try Self.expectClose(outputs, reference)
        #expect(outputs[0].shape == [1, 22, 2100])
    }

    @Test func sileroTakesTwoInputsInModelOrder() async throws {
        let compiled = try Fixtures.compiled("silero-vad")
        let request = try compiled.makeInferRequest()
        let audio = Fixtures.pattern(count: 576, low: -0.5, high: 0.5)
        let state = [Float](repeating: 0, count: 256)
        let outputs = try await request.infer([Tensor(shape: [1, 576], floats: audio), Tensor(shape: [2, 1, 128], floats: state)])
        let reference = try await Fixtures.pythonReference(
            model: Fixtures.modelPath("silero-vad"), inputs: [([1, 576], audio), ([2, 1, 128], state)])
        try Self.expectClose(outputs, reference)
        let probability = try outputs[0].floats()[0]
        #expect(probability >= 0 && probability <= 1)
    }
}
