import Foundation
import Inference
import Serving
import Testing
import TestSupport

/// Dynamic batching with the real NudeNet model: requests stacked along the batch axis into one
/// inference and split back must each get exactly what they would have got alone.
@Suite(.timeLimit(.minutes(3))) struct ModelBatchingTests {
    /// Wraps the model backend to record the batches it is given; the first batch waits on a gate so
    /// the test can line the next ones up deterministically.
    struct RecordingBackend: ReplicaBackend {
        let inner: any ReplicaBackend
        let batches: Shared<[[String]]>
        let firstBatch: Gate

        var inputs: [TensorSpec] { inner.inputs }
        var outputs: [TensorSpec] { inner.outputs }
        var concurrency: Int { inner.concurrency }
        var runsRequestsAlone: Bool { inner.runsRequestsAlone }
        func warmUp() async throws(ServingError) { try await inner.warmUp() }

        func run(_ batch: [InferenceRequest]) async -> [Result<[TensorData], ServingError>] {
            let index = batches.update { batches in
                batches.append(batch.map { $0.id ?? "?" })
                return batches.count - 1
            }
            if index == 0 { try? await firstBatch.wait() }
            return await inner.run(batch)
        }
    }

    static func images(_ id: String, _ shape: [Int], _ values: [Float]) -> InferenceRequest {
        InferenceRequest(id: id, inputs: [TensorData(name: "images", shape: shape, floats: values)])
    }

    /// |a − b| ≤ 1e-3 · max(|b|, 1): relative for NudeNet's pixel-scale boxes, absolute for its 0…1 scores.
    static func worstExcess(_ a: TensorData, _ b: TensorData) -> Float {
        guard a.shape == b.shape, let x = a.floats(), let y = b.floats() else { return .infinity }
        return zip(x, y).reduce(0) { worst, pair in max(worst, abs(pair.0 - pair.1) - 1e-3 * max(abs(pair.1), 1)) }
    }

    @Test func batchedRequestsGetWhatTheyWouldHaveGotAlone() async throws {
        let batches = Shared<[[String]]>([])
        let gate = Gate()
        // f32 so the comparison holds on AMX (bf16 by default) as on AVX2; one infer request so one batch runs at a time.
        var config = try ModelFixtures.modelDeployment("nudenet-batched", model: "nudenet-320n", f32: true, inferRequests: 1,
                                                       batching: .init(maxBatchSize: 4, maxWait: .milliseconds(5)))
        let model = config.backend
        config.backend = BackendFactory { () throws(ServingError) in
            RecordingBackend(inner: try await model.make(), batches: batches, firstBatch: gate)
        }
        let running = try await RunningDeployment.start(config)
        #expect(await running.deployment.inputs.first?.shape == [-1, 3, -1, -1])

        let side = 320, plane = 3 * 320 * 320
        let astronaut = try ModelFixtures.nchw(ModelFixtures.astronaut, side: side)
        let camera = try ModelFixtures.nchw(ModelFixtures.camera, side: side)
        let requests = [
            Self.images("A", [1, 3, side, side], astronaut),
            Self.images("B", [1, 3, side, side], camera),
            // Two rows in one request: split back as two rows.
            Self.images("E", [2, 3, side, side], ModelFixtures.pattern(count: plane, seed: 3) + camera),
            // Another size: cannot be stacked with the 320s, runs as its own inference in the same batch.
            Self.images("D", [1, 3, 256, 256], try ModelFixtures.nchw(ModelFixtures.astronaut, side: 256)),
            Self.images("C", [1, 3, side, side], ModelFixtures.pattern(count: plane, seed: 5)),
        ]

        // A first request occupies the only batch slot while the others queue in a known order.
        let blocker = Task { await running.infer(Self.images("blocker", [1, 3, side, side], ModelFixtures.pattern(count: plane, seed: 9))) }
        try #require(await eventually("first batch running") { gate.waiting == 1 })
        var tasks: [Task<Result<InferenceResponse, ServingError>, Never>] = []
        for (index, request) in requests.enumerated() {
            tasks.append(Task { await running.infer(request) })
            try #require(await eventually("\(request.id!) queued") { await running.deployment.queuedCount == index + 1 })
        }
        gate.open()
        _ = try await blocker.value.get()
        var batched: [String: TensorData] = [:]
        for (request, task) in zip(requests, tasks) {
            let response = try await task.value.get()
            #expect(response.id == request.id)
            let output = try #require(response.output(named: "output0"))
            batched[request.id!] = output
        }
        #expect(batches.value == [["blocker"], ["A", "B", "E", "D"], ["C"]])

        // The same requests one at a time.
        for request in requests {
            let alone = try await running.infer(request).get()
            let reference = try #require(alone.output(named: "output0"))
            let output = try #require(batched[request.id!])
            #expect(output.shape == reference.shape, "\(request.id!)")
            let excess = Self.worstExcess(output, reference)
            #expect(excess <= 0, "\(request.id!): worst excess over tolerance \(excess)")
        }
        #expect(batches.value.dropFirst(3).allSatisfy { $0.count == 1 })
        #expect(batched["E"]?.shape == [2, 22, 2100])
        #expect(batched["D"]?.shape == [1, 22, 1344])
        // Different pictures give clearly different outputs, so a mix-up in the split could not pass.
        let a = try #require(batched["A"]), b = try #require(batched["B"])
        #expect(Self.worstExcess(a, b) > 1)
        await running.stop()
    }

    /// A static batch dimension cannot stack, so gathering a batch would only make each request wait for
    /// the others: every request is dispatched alone and answered as soon as its own inference ends.
    @Test func aStaticBatchModelRunsEachRequestAloneAndAnswersItWithoutWaitingForOthers() async throws {
        let batches = Shared<[[String]]>([])
        let gate = Gate()
        var config = try ModelFixtures.modelDeployment("nudenet-static", model: "nudenet-320n", f32: true, inferRequests: 2,
                                                       inputShapes: ["images": [1, 3, 64, 64]],
                                                       batching: .init(maxBatchSize: 8, maxWait: .seconds(600)))
        let model = config.backend
        config.backend = BackendFactory { () throws(ServingError) in
            RecordingBackend(inner: try await model.make(), batches: batches, firstBatch: gate)
        }
        let running = try await RunningDeployment.start(config)
        let plane = 3 * 64 * 64
        // The first request is held (so the replica is busy and the batcher would otherwise gather the
        // rest for up to max_wait, ten minutes here); the others must still be answered meanwhile.
        let blocker = Task { await running.infer(Self.images("blocker", [1, 3, 64, 64], ModelFixtures.pattern(count: plane, seed: 9))) }
        try #require(await eventually("first batch running") { gate.waiting == 1 })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, id) in ["A", "B", "C"].enumerated() {
                group.addTask {
                    let response = try await running.infer(Self.images(id, [1, 3, 64, 64], ModelFixtures.pattern(count: plane, seed: index))).get()
                    #expect(response.output(named: "output0")?.shape == [1, 22, 84])
                }
            }
            try await group.waitForAll()
        }
        #expect(gate.waiting == 1)
        #expect(batches.value.count == 4 && batches.value.allSatisfy { $0.count == 1 })
        gate.open()
        _ = try await blocker.value.get()
        await running.stop()
    }

    /// With `latencyWhenIdle` a lone request runs on the latency-hint copy and concurrent ones on the
    /// throughput streams; both compiled copies must give the same answer.
    @Test func bothCopiesOfAnAdaptiveReplicaAgree() async throws {
        let running = try await RunningDeployment.start(try ModelFixtures.modelDeployment(
            "nudenet-adaptive", model: "nudenet-320n", f32: true, inferRequests: 2, inputShapes: ["images": [1, 3, 320, 320]],
            latencyWhenIdle: true))
        let picture = try ModelFixtures.nchw(ModelFixtures.astronaut, side: 320)
        let request = Self.images("lone", [1, 3, 320, 320], picture)
        let alone = try #require(try await running.infer(request).get().output(named: "output0"))
        let together = try await withThrowingTaskGroup(of: TensorData?.self) { group in
            for _ in 0..<6 { group.addTask { try await running.infer(request).get().output(named: "output0") } }
            return try await group.reduce(into: [TensorData]()) { if let output = $1 { $0.append(output) } }
        }
        #expect(together.count == 6)
        for output in together { #expect(Self.worstExcess(output, alone) <= 0) }
        await running.stop()
    }

    /// Unless configured, a replica holds two infer requests per OpenVINO stream, so the next inference
    /// is already queued in OpenVINO when one ends; its dispatch limit follows.
    @Test func aReplicaDefaultsToTwoInferRequestsPerStream() async throws {
        let shapes = ["images": [1, 3, 64, 64]]
        let backend = try await ModelFixtures.modelDeployment("nudenet-default-pool", model: "nudenet-320n", f32: true,
                                                              inputShapes: shapes).backend.make()
        let model = try ModelFixtures.core.readModel(path: try ModelFixtures.modelPath("nudenet-320n"))
        try model.reshape(shapes)
        let compiled = try ModelFixtures.core.compile(model: model, options: CompileOptions(hint: .throughput, precision: .f32))
        #expect(compiled.optimalNumberOfInferRequests >= 1)
        #expect(backend.concurrency == 2 * compiled.optimalNumberOfInferRequests)
    }

    @Test func anEmptyBatchDimensionIsAnsweredNotACrash() async throws {
        let running = try await RunningDeployment.start(try ModelFixtures.modelDeployment(
            "nudenet-empty", model: "nudenet-320n", f32: true, inferRequests: 1))
        let result = await running.infer(Self.images("empty", [0, 3, 320, 320], []))
        // Either an empty answer or a clear rejection; what matters is that the server survives it.
        if case .success(let response) = result {
            #expect(response.output(named: "output0")?.shape.first == 0)
        } else {
            #expect(result.errorCode == .invalidInput || result.errorCode == .inferenceFailed)
        }
        let normal = await running.infer(Self.images("normal", [1, 3, 64, 64], ModelFixtures.pattern(count: 3 * 64 * 64, seed: 1)))
        #expect(normal.response?.output(named: "output0")?.shape == [1, 22, 84])
        await running.stop()
    }
}
