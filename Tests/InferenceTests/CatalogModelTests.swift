import Testing
@testable import Inference

/// Every shipped model reads, reshapes where dynamic, compiles and reports the ports its manifest records.
@Suite struct CatalogModelTests {
    @Test(arguments: ModelCatalog.entries.map(\.name))
    func loadsCompilesAndListsPorts(name: String) throws {
        let manifest = try Fixtures.repository.manifest(named: name)
        let model = try Fixtures.core.readModel(path: Fixtures.modelPath(name))
        #expect(model.inputs == manifest.inputs)
        #expect(model.outputs == manifest.outputs)
        #expect(!model.inputs.isEmpty && !model.outputs.isEmpty)
        #expect(model.inputs.allSatisfy { $0.elementType == .f32 })

        let compiled = try Fixtures.core.compile(model: model, options: CompileOptions(hint: .latency, precision: .f32))
        #expect(compiled.inputs.map(\.name) == manifest.inputs.map(\.name))
        #expect(compiled.outputs.count == manifest.outputs.count)
        #expect(compiled.optimalNumberOfInferRequests >= 1)
        #expect(try compiled.inferencePrecision == "f32")
        _ = try compiled.makeInferRequest()
    }

    @Test func portsOfTheCatalogModelsAreTheKnownOnes() throws {
        let expected: [String: (inputs: [String], outputs: [String], firstShape: [Int])] = [
            "blazeface-short": (["input"], ["regressors", "classificators"], [1, 128, 128, 3]),
            "blazeface-full": (["input"], ["reshaped_regressor_face_4", "reshaped_classifier_face_4"], [1, 192, 192, 3]),
            "nudenet-320n": (["images"], ["output0"], [-1, 3, -1, -1]),
            "ppocr-v4-det": (["x"], ["sigmoid_0.tmp_0"], [-1, 3, -1, -1]),
            "ppocr-v4-rec": (["x"], ["softmax_11.tmp_0"], [-1, 3, -1, -1]),
            "silero-vad": (["input", "state"], ["output", "stateN"], [1, 576]),
        ]
        for (name, ports) in expected {
            let manifest = try Fixtures.repository.manifest(named: name)
            #expect(manifest.inputs.map(\.name) == ports.inputs, "\(name)")
            #expect(manifest.outputs.map(\.name) == ports.outputs, "\(name)")
            #expect(manifest.inputs[0].shape == ports.firstShape, "\(name)")
        }
        let silero = try Fixtures.repository.manifest(named: "silero-vad")
        #expect(silero.inputs[1].shape == [2, 1, 128])
    }

    @Test func reshapeFixesDynamicAxesByNameAndForTheSingleInput() throws {
        let byName = try Fixtures.core.readModel(path: Fixtures.modelPath("nudenet-320n"))
        #expect(byName.isDynamic)
        try byName.reshape(["images": [2, 3, 320, 320]])
        #expect(byName.inputs[0].shape == [2, 3, 320, 320])
        #expect(byName.outputs[0].shape == [2, 22, 2100])
        #expect(!byName.isDynamic)

        let single = try Fixtures.core.readModel(path: Fixtures.modelPath("ppocr-v4-rec"))
        try single.reshape([1, 3, 48, 320])
        #expect(single.outputs[0].shape == [1, 40, 6625])
    }

    @Test func reshapeRejectsUnknownNamesWrongRanksAndMultiInputShortcuts() throws {
        let model = try Fixtures.core.readModel(path: Fixtures.modelPath("nudenet-320n"))
        #expect(throws: InferenceError.self) { try model.reshape(["nope": [1, 3, 320, 320]]) }
        let rank = #expect(throws: InferenceError.self) { try model.reshape([1, 3, 320]) }
        #expect(rank?.code == .invalidArgument)
        let silero = try Fixtures.core.readModel(path: Fixtures.modelPath("silero-vad"))
        let multi = #expect(throws: InferenceError.self) { try silero.reshape([1, 576]) }
        #expect(multi?.code == .invalidArgument)
    }

    @Test func coreReportsVersionAndCPU() throws {
        #expect(try InferenceCore.version.hasPrefix("2026.4"))
        #expect(try Fixtures.core.availableDevices().contains("CPU"))
    }

    @Test func unknownDeviceIsRejected() throws {
        let model = try Fixtures.core.readModel(path: Fixtures.modelPath("blazeface-short"))
        let error = #expect(throws: InferenceError.self) {
            try Fixtures.core.compile(model: model, options: CompileOptions(device: "NO_SUCH_DEVICE"))
        }
        #expect(error?.message.isEmpty == false)
    }
}
