import Synchronization
import Testing
@testable import Inference

@Suite struct InferRequestPoolTests {
    @Test func sixteenConcurrentTasksOnTwoRequestsMatchSequentialResults() async throws {
        let shape = [1, 128, 128, 3]
        let compiled = try Fixtures.compiled("blazeface-short")
        let inputs = (0..<16).map { Fixtures.pattern(count: shape.reduce(1, *), seed: $0 * 31) }

        let sequentialRequest = try compiled.makeInferRequest()
        var sequential: [[[Float]]] = []
        for input in inputs {
            sequential.append(try await sequentialRequest.infer([Tensor(shape: shape, floats: input)]).map { try $0.floats() })
        }

        let pool = try InferRequestPool(model: compiled, size: 2)
        let concurrent = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask {
                    let outputs = try await pool.infer([Tensor(shape: shape, floats: input)])
                    return (index, try outputs.map { try $0.floats() })
                }
            }
            var results = [[[Float]]](repeating: [], count: inputs.count)
            for try await (index, outputs) in group { results[index] = outputs }
            return results
        }
        #expect(concurrent == sequential)
        // Different inputs give different outputs, so a mix-up between tasks would show.
        #expect(Set(sequential.map { $0[1] }).count == inputs.count)
        #expect(pool.availableCount == 2)
    }

    @Test func sizeDefaultsToTheOptimalNumberOfRequests() throws {
        let compiled = try Fixtures.compiled("blazeface-short", hint: .throughput)
        let pool = try InferRequestPool(model: compiled)
        #expect(pool.size == compiled.optimalNumberOfInferRequests)
        #expect(throws: InferenceError.self) { try InferRequestPool(model: compiled, size: 0) }
    }

    @Test func aTaskCancelledBeforeInferGetsCancelled() async throws {
        let compiled = try Fixtures.compiled("blazeface-short")
        let pool = try InferRequestPool(model: compiled, size: 1)
        let task = Task { () async throws -> [Float] in
            withUnsafeCurrentTask { $0?.cancel() }
            return try await pool.infer([Tensor(elementType: .f32, shape: [1, 128, 128, 3])])[0].floats()
        }
        let result = await task.result
        #expect(throws: InferenceError(.cancelled, operation: "wait for an infer request", message: "the task was cancelled")) { try result.get() }
        #expect(pool.availableCount == 1)
    }

    @Test func cancellingARunningInferenceThrowsCancelledAndThePoolStillWorks() async throws {
        // A large text-detection input keeps the request busy long enough for the cancel to land mid-run.
        let shape = [1, 3, 1280, 1280]
        let compiled = try Fixtures.compiled("ppocr-v4-det", shape: shape)
        let pool = try InferRequestPool(model: compiled, size: 1)
        let input = Fixtures.pattern(count: shape.reduce(1, *))
        let expected = try await pool.infer([Tensor(shape: shape, floats: input)]).map { try $0.floats() }

        let cancelled = try await Fixtures.untilTheRaceIsWon { () async throws -> InferenceError? in
            let done = Flag()
            let running = Task { () async throws -> [Float] in
                defer { done.set() }
                return try await pool.infer([Tensor(shape: shape, floats: input)])[0].floats()
            }
            while pool.availableCount != 0, !done.isSet { await Task.yield() }
            running.cancel()
            // Success means a busy machine let the inference finish before the cancel: try again.
            guard case let .failure(error) = await running.result else { return nil }
            return try #require(error as? InferenceError)
        }
        #expect(cancelled.code == .cancelled)
        #expect(pool.availableCount == 1)

        let after = try await pool.infer([Tensor(shape: shape, floats: input)]).map { try $0.floats() }
        #expect(after == expected)
    }

    /// A dynamic-shape model's inferences are not aborted by a cancel (aborting one half-way broke later
    /// inferences with other shapes on the same stream): the caller still gets `cancelled`, and every
    /// inference not cancelled, whatever its batch size, gives exactly the answer it gives alone.
    @Test func cancellingADynamicModelsInferencesLeavesTheOthersSound() async throws {
        let compiled = try Fixtures.compiled("nudenet-320n", hint: .throughput)
        #expect(try compiled.inputs.contains(where: \.isDynamic))
        let pool = try InferRequestPool(model: compiled)
        @Sendable func run(_ batch: Int) async throws -> [Float] {
            let shape = [batch, 3, 192, 320]
            return try await pool.infer([Tensor(shape: shape, floats: Fixtures.pattern(count: shape.reduce(1, *)))])[0].floats()
        }
        let alone = [try await run(1), try await run(2)]
        for _ in 0..<8 {
            let tasks = (0..<6).map { index in (batch: 1 + index % 2, task: Task { try await run(1 + index % 2) }) }
            while pool.availableCount == pool.size { await Task.yield() }
            for (index, entry) in tasks.enumerated() where index % 3 == 0 { entry.task.cancel() }
            for (index, entry) in tasks.enumerated() {
                switch await entry.task.result {
                case .success(let output):
                    #expect(output == alone[entry.batch - 1], "batch \(entry.batch) beside cancelled inferences")
                case .failure(let error):
                    #expect(index % 3 == 0 && (error as? InferenceError)?.code == .cancelled, "\(error)")
                }
            }
        }
    }

    @Test func cancellingAWaitingCallerRemovesItFromTheQueue() async throws {
        let shape = [1, 3, 1280, 1280]
        let compiled = try Fixtures.compiled("ppocr-v4-det", shape: shape)
        let pool = try InferRequestPool(model: compiled, size: 1)
        let input = Fixtures.pattern(count: shape.reduce(1, *))
        let cancelled = try await Fixtures.untilTheRaceIsWon { () async throws -> InferenceError? in
            let firstDone = Flag(), waitingDone = Flag()
            let first = Task { () async throws -> [Float] in
                defer { firstDone.set() }
                return try await pool.infer([Tensor(shape: shape, floats: input)])[0].floats()
            }
            while pool.availableCount != 0, !firstDone.isSet { await Task.yield() }
            let waiting = Task { () async throws -> [Float] in
                defer { waitingDone.set() }
                return try await pool.infer([Tensor(shape: shape, floats: input)])[0].floats()
            }
            while pool.waiterCount == 0, !waitingDone.isSet { await Task.yield() }
            waiting.cancel()
            let waited = await waiting.result
            let firstValues = try await first.value
            #expect(!firstValues.isEmpty)
            // The waiter got the request because the first inference ended before it queued: try again.
            guard case let .failure(error) = waited else { return nil }
            return try #require(error as? InferenceError)
        }
        #expect(cancelled.code == .cancelled)
        #expect(pool.availableCount == 1 && pool.waiterCount == 0)
    }

    @Test func wrongShapeTypeOrCountIsInvalidArgumentBeforeOpenVINORuns() async throws {
        let compiled = try Fixtures.compiled("blazeface-short")
        let pool = try InferRequestPool(model: compiled, size: 1)
        let cases: [[Tensor]] = [
            [try Tensor(elementType: .f32, shape: [1, 3, 128, 128])],
            [try Tensor(elementType: .f32, shape: [1, 128, 128])],
            [try Tensor(elementType: .u8, shape: [1, 128, 128, 3])],
            [],
            [try Tensor(elementType: .f32, shape: [1, 128, 128, 3]), try Tensor(elementType: .f32, shape: [1])],
        ]
        for inputs in cases {
            do {
                _ = try await pool.infer(inputs)
                Issue.record("inputs \(inputs.map(\.shape)) were accepted")
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("input"))
            }
        }
        // A dynamic model accepts any size on its dynamic axes but not on its static channel axis.
        let dynamic = try Fixtures.core.compile(
            model: Fixtures.core.readModel(path: Fixtures.modelPath("nudenet-320n")), options: CompileOptions(precision: .f32))
        let request = try dynamic.makeInferRequest()
        await #expect(throws: InferenceError.self) { _ = try await request.infer([Tensor(elementType: .f32, shape: [1, 4, 64, 64])]) }
        let outputs = try await request.infer([Tensor(elementType: .f32, shape: [1, 3, 64, 64])])
        #expect(outputs[0].shape == [1, 22, 84])
        #expect(pool.availableCount == 1)
    }
}

/// A one-way flag a task raises when it ends, readable without awaiting the task.
final class Flag: Sendable {
    private let raised = Atomic(false)
    func set() { raised.store(true, ordering: .releasing) }
    var isSet: Bool { raised.load(ordering: .acquiring) }
}
