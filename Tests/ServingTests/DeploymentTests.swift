import Foundation
import Serving
import Testing
import TestSupport

/// A deployment of Swift handlers: batching, ordering, deadlines, back-pressure, cancellation,
/// validation and shutdown. Every wait is on a gate or a state; nothing asserts on elapsed time.
@Suite(.timeLimit(.minutes(2))) struct DeploymentTests {
    static let x = TensorSpec(name: "x", datatype: .fp32, shape: [1])

    /// One replica running one request at a time, recording the id of each request it starts and
    /// holding the request with id "blocker" until `gate` opens.
    static func serial(_ name: String, log: EventLog, gate: Gate, maxQueued: Int = 1024,
                       inputs: [TensorSpec] = []) -> DeploymentConfig {
        DeploymentConfig(name: name, batching: .init(maxBatchSize: 1, maxQueued: maxQueued),
                         backend: .handler(inputs: inputs, concurrency: 1) { request in
                             let id = request.id ?? "?"
                             log.record(id)
                             if id == "blocker" { try await gate.wait() }
                             return [.text("id", id)]
                         })
    }

    // MARK: - Batching maps results one to one

    @Test func everyCallerGetsItsOwnAnswerThroughBatchedReplicas() async throws {
        let handled = Shared(0)
        let config = DeploymentConfig(
            name: "echo", replicas: 2, batching: .init(maxBatchSize: 4, maxWait: .milliseconds(2)),
            backend: .handler(inputs: [Self.x], outputs: [TensorSpec(name: "y", datatype: .fp32, shape: [1])], concurrency: 2) { request in
                let x = try #require(request.input(named: "x")?.floats()?.first)
                handled.update { $0 += 1 }
                await Task.yield()
                if x == 13 { throw CocoaError(.featureUnsupported) }
                return [scalar("y", x * 2 + 1), .text("id", request.id ?? "")]
            })
        let running = try await RunningDeployment.start(config)
        let count = 64
        let results = await withTaskGroup(of: (Int, Result<InferenceResponse, ServingError>).self) { group in
            for i in 0..<count {
                group.addTask { (i, await running.infer(InferenceRequest(id: "r\(i)", inputs: [scalar("x", Float(i))]))) }
            }
            var results: [Int: Result<InferenceResponse, ServingError>] = [:]
            for await (i, result) in group { results[i] = result }
            return results
        }
        #expect(results.count == count)
        #expect(handled.value == count)
        for i in 0..<count {
            let result = try #require(results[i])
            if i == 13 {
                // A handler failure fails that caller only, not its batch mates.
                #expect(result.errorCode == .inferenceFailed)
                continue
            }
            let response = try result.get()
            #expect(response.id == "r\(i)")
            #expect(response.modelName == "echo")
            #expect(response.modelVersion == "1")
            #expect(response.float("y") == Float(i * 2 + 1), "caller \(i) got \(String(describing: response.float("y")))")
            #expect(response.output(named: "id")?.text == "r\(i)")
        }
        await running.stop()
    }

    /// A backend that sees whole batches: the first batch waits on a gate so the next ones form
    /// deterministically while it runs.
    struct BatchRecordingBackend: ReplicaBackend {
        let inputs: [TensorSpec] = []
        let outputs: [TensorSpec] = []
        let concurrency = 1
        let batches: Shared<[[Float]]>
        let firstBatch: Gate

        func warmUp() async throws(ServingError) {}

        func run(_ batch: [InferenceRequest]) async -> [Result<[TensorData], ServingError>] {
            let xs = batch.map { $0.input(named: "x")?.floats()?.first ?? -1 }
            let index = batches.update { batches in
                batches.append(xs)
                return batches.count - 1
            }
            if index == 0 { try? await firstBatch.wait() }
            return xs.map { x in x == 3 ? .failure(ServingError(.inferenceFailed, "three is unlucky")) : .success([scalar("y", x * 10)]) }
        }
    }

    @Test func queuedRequestsLeaveAsFullBatchesAndResultsAreSplitInOrder() async throws {
        let batches = Shared<[[Float]]>([])
        let gate = Gate()
        let config = DeploymentConfig(name: "batcher", batching: .init(maxBatchSize: 4, maxWait: .seconds(600)),
                                      backend: BackendFactory { BatchRecordingBackend(batches: batches, firstBatch: gate) })
        let running = try await RunningDeployment.start(config)
        // An idle replica takes a lone request at once (no batching delay) ...
        let first = Task { await running.infer(InferenceRequest(inputs: [scalar("x", 0)])) }
        try #require(await eventually("first batch running") { gate.waiting == 1 })
        // ... and while it is busy, six more queue, in a known order.
        var tasks: [Task<Result<InferenceResponse, ServingError>, Never>] = []
        for i in 1...6 {
            tasks.append(Task { await running.infer(InferenceRequest(inputs: [scalar("x", Float(i))])) })
            try #require(await eventually("request \(i) queued") { await running.deployment.queuedCount == i })
        }
        gate.open()
        #expect(try await first.value.get().float("y") == 0)
        for (offset, task) in tasks.enumerated() {
            let i = offset + 1
            let result = await task.value
            if i == 3 {
                #expect(result.errorCode == .inferenceFailed)
            } else {
                #expect(try result.get().float("y") == Float(i * 10))
            }
        }
        // A full batch leaves at once; the remainder leaves when the replica is idle again (not after max_wait).
        #expect(batches.value == [[0], [1, 2, 3, 4], [5, 6]])
        await running.stop()
    }

    // MARK: - Ordering, deadlines, back-pressure

    @Test func higherPrioritiesRunFirstWhenTheReplicaIsBusy() async throws {
        let log = EventLog(), gate = Gate()
        let running = try await RunningDeployment.start(Self.serial("priorities", log: log, gate: gate))
        let blocker = Task { await running.infer(InferenceRequest(id: "blocker", inputs: [])) }
        try #require(await eventually { log.contains("blocker") })
        var tasks: [Task<Result<InferenceResponse, ServingError>, Never>] = []
        for (index, (id, priority)) in [("low", 0), ("high", 9), ("mid", 5), ("low2", 0), ("high2", 9)].enumerated() {
            tasks.append(Task { await running.infer(InferenceRequest(id: id, inputs: [], priority: priority)) })
            try #require(await eventually { await running.deployment.queuedCount == index + 1 })
        }
        gate.open()
        _ = try await blocker.value.get()
        for task in tasks { _ = try await task.value.get() }
        #expect(log.events == ["blocker", "high", "high2", "mid", "low", "low2"])
        await running.stop()
    }

    @Test func aRequestWhoseDeadlinePassesInTheQueueFailsWithoutRunning() async throws {
        let log = EventLog(), gate = Gate()
        let running = try await RunningDeployment.start(Self.serial("deadlines", log: log, gate: gate))
        let blocker = Task { await running.infer(InferenceRequest(id: "blocker", inputs: [])) }
        try #require(await eventually { log.contains("blocker") })

        // Expires while queued behind the blocker (the gate stays shut until after the answer).
        let late = await running.infer(InferenceRequest(id: "late", inputs: [], deadline: .now + .milliseconds(30)))
        #expect(late.errorCode == .deadlineExceeded)
        // Already past when it arrives.
        let past = await running.infer(InferenceRequest(id: "past", inputs: [], deadline: .now - .milliseconds(1)))
        #expect(past.errorCode == .deadlineExceeded)
        #expect(await running.deployment.queuedCount == 0)

        gate.open()
        _ = try await blocker.value.get()
        // A generous deadline is met.
        let onTime = await running.infer(InferenceRequest(id: "on-time", inputs: [], deadline: .now + .seconds(600)))
        #expect(onTime.response?.output(named: "id")?.text == "on-time")
        #expect(log.events == ["blocker", "on-time"])
        await running.stop()
    }

    @Test func aFullQueueRejectsAtOnceWhileQueuedRequestsStillComplete() async throws {
        let log = EventLog(), gate = Gate()
        let running = try await RunningDeployment.start(Self.serial("bounded", log: log, gate: gate, maxQueued: 2))
        let blocker = Task { await running.infer(InferenceRequest(id: "blocker", inputs: [])) }
        try #require(await eventually { log.contains("blocker") })
        let q1 = Task { await running.infer(InferenceRequest(id: "q1", inputs: [])) }
        try #require(await eventually { await running.deployment.queuedCount == 1 })
        let q2 = Task { await running.infer(InferenceRequest(id: "q2", inputs: [])) }
        try #require(await eventually { await running.deployment.queuedCount == 2 })

        // Answered while the gate is still shut: the rejection does not wait for capacity.
        let rejected = await running.infer(InferenceRequest(id: "q3", inputs: []))
        #expect(rejected.errorCode == .queueFull)
        #expect(gate.waiting == 1)

        gate.open()
        #expect(try await blocker.value.get().output(named: "id")?.text == "blocker")
        #expect(try await q1.value.get().output(named: "id")?.text == "q1")
        #expect(try await q2.value.get().output(named: "id")?.text == "q2")
        #expect(log.events == ["blocker", "q1", "q2"])
        await running.stop()
    }

    // MARK: - Cancellation

    @Test func cancellingAQueuedCallerRemovesItsRequest() async throws {
        let log = EventLog(), gate = Gate()
        let running = try await RunningDeployment.start(Self.serial("cancel-queued", log: log, gate: gate))
        let blocker = Task { await running.infer(InferenceRequest(id: "blocker", inputs: [])) }
        try #require(await eventually { log.contains("blocker") })
        let queued = Task { await running.infer(InferenceRequest(id: "queued", inputs: [])) }
        try #require(await eventually { await running.deployment.queuedCount == 1 })

        queued.cancel()
        #expect(await queued.value.errorCode == .cancelled)
        #expect(await running.deployment.queuedCount == 0)

        gate.open()
        _ = try await blocker.value.get()
        _ = try await running.infer(InferenceRequest(id: "after", inputs: [])).get()
        #expect(log.events == ["blocker", "after"])
        await running.stop()
    }

    @Test func cancellingTheCallerOfARunningRequestCancelsTheHandlerAndFreesTheSlot() async throws {
        let log = EventLog(), gate = Gate()
        let config = DeploymentConfig(name: "cancel-running", batching: .init(maxBatchSize: 1),
                                      backend: .handler(concurrency: 1) { request in
                                          let id = request.id ?? "?"
                                          log.record("start \(id)")
                                          do {
                                              try await gate.wait()
                                          } catch {
                                              log.record("\(type(of: error)) \(id)")
                                              throw error
                                          }
                                          log.record("done \(id)")
                                          return []
                                      })
        let running = try await RunningDeployment.start(config)
        let slow = Task { await running.infer(InferenceRequest(id: "slow", inputs: [])) }
        try #require(await eventually { log.contains("start slow") })
        let next = Task { await running.infer(InferenceRequest(id: "next", inputs: [])) }
        try #require(await eventually { await running.deployment.queuedCount == 1 })

        slow.cancel()
        #expect(await slow.value.errorCode == .cancelled)
        // The handler's task saw the cancellation, and the one slot went to the queued request.
        try #require(await eventually("the handler saw CancellationError") { log.contains("CancellationError slow") })
        try #require(await eventually("the next request started") { log.contains("start next") })
        gate.open()
        _ = try await next.value.get()
        #expect(log.events == ["start slow", "CancellationError slow", "start next", "done next"])
        await running.stop()
    }

    @Test func cancellingOneCallerOfABatchLeavesItsBatchMateRunning() async throws {
        let log = EventLog(), blockerGate = Gate(), batchGate = Gate()
        let config = DeploymentConfig(name: "cancel-one", batching: .init(maxBatchSize: 2, maxWait: .seconds(600)),
                                      backend: .handler(concurrency: 1) { request in
                                          let id = request.id ?? "?"
                                          log.record("start \(id)")
                                          do {
                                              try await (id == "blocker" ? blockerGate : batchGate).wait()
                                          } catch {
                                              log.record("cancelled \(id)")
                                              throw error
                                          }
                                          log.record("done \(id)")
                                          return [.text("id", id)]
                                      })
        let running = try await RunningDeployment.start(config)
        let blocker = Task { await running.infer(InferenceRequest(id: "blocker", inputs: [])) }
        try #require(await eventually { log.contains("start blocker") })
        let a = Task { await running.infer(InferenceRequest(id: "a", inputs: [])) }
        try #require(await eventually { await running.deployment.queuedCount == 1 })
        let b = Task { await running.infer(InferenceRequest(id: "b", inputs: [])) }
        try #require(await eventually { await running.deployment.queuedCount == 2 })
        blockerGate.open()
        _ = try await blocker.value.get()
        try #require(await eventually("a and b run as one batch") { log.contains("start a") && log.contains("start b") })

        a.cancel()
        #expect(await a.value.errorCode == .cancelled)
        batchGate.open()
        #expect(try await b.value.get().output(named: "id")?.text == "b")
        #expect(!log.contains("cancelled b"))
        await running.stop()
    }

    // MARK: - Validation

    @Test func inputsThatDoNotMatchTheDeclaredSpecsAreRejectedBeforeTheHandler() async throws {
        let log = EventLog()
        let spec = TensorSpec(name: "x", datatype: .fp32, shape: [-1, 2])
        let config = DeploymentConfig(name: "validated", backend: .handler(
            inputs: [spec], outputs: [TensorSpec(name: "y", datatype: .fp32, shape: [-1, 2])]) { request in
                log.record(request.id ?? "?")
                return [TensorData(name: "y", shape: [1, 2], floats: [1, 2])]
            })
        let running = try await RunningDeployment.start(config)
        #expect(await running.deployment.inputs == [spec])
        func int32s(_ shape: [Int]) -> TensorData {
            try! TensorData(name: "x", datatype: .int32, shape: shape, data: Data(count: shape.reduce(1, *) * 4))
        }
        let cases: [(String, InferenceRequest, String)] = [
            ("wrong name", InferenceRequest(inputs: [TensorData(name: "z", shape: [1, 2], floats: [0, 0])]), "missing input 'x'"),
            ("no inputs", InferenceRequest(inputs: []), "missing input 'x'"),
            ("wrong rank", InferenceRequest(inputs: [TensorData(name: "x", shape: [2], floats: [0, 0])]), "shape [-1,2]"),
            ("wrong fixed dimension", InferenceRequest(inputs: [TensorData(name: "x", shape: [1, 3], floats: [0, 0, 0])]), "shape [-1,2]"),
            ("wrong datatype", InferenceRequest(inputs: [int32s([1, 2])]), "must be FP32, got INT32"),
            ("unknown extra input", InferenceRequest(inputs: [TensorData(name: "x", shape: [1, 2], floats: [0, 0]), scalar("w", 1)]), "unknown input 'w'"),
            ("unknown output", InferenceRequest(inputs: [TensorData(name: "x", shape: [1, 2], floats: [0, 0])], outputs: ["nope"]), "unknown output 'nope'"),
        ]
        for (label, request, fragment) in cases {
            var request = request
            request.id = label
            let result = await running.infer(request)
            #expect(result.errorCode == .invalidInput, "\(label)")
            if case .failure(let error) = result { #expect(error.message.contains(fragment), "\(label): \(error.message)") }
        }
        // A dynamic dimension takes any size.
        let fine = await running.infer(InferenceRequest(id: "fine", inputs: [TensorData(name: "x", shape: [3, 2], floats: [0, 0, 0, 0, 0, 0])]))
        #expect(fine.response != nil)
        #expect(log.events == ["fine"])
        await running.stop()
    }

    @Test func requestsQueuedBeforeTheFirstReplicaIsReadyAreValidatedToo() async throws {
        let log = EventLog(), built = Gate()
        let handler = BackendFactory.handler(inputs: [Self.x]) { request in
            log.record(request.id ?? "?")
            return []
        }
        let config = DeploymentConfig(name: "slow-start", backend: BackendFactory { () throws(ServingError) in
            try? await built.wait()
            return try await handler.make()
        })
        let running = try await RunningDeployment.start(config, waitUntilReady: false)
        let invalid = Task { await running.infer(InferenceRequest(id: "invalid", inputs: [scalar("nope", 1)])) }
        let valid = Task { await running.infer(InferenceRequest(id: "valid", inputs: [scalar("x", 1)])) }
        try #require(await eventually { await running.deployment.queuedCount == 2 })
        #expect(await !running.deployment.isReady)
        built.open()
        #expect(await invalid.value.errorCode == .invalidInput)
        #expect(await valid.value.response != nil)
        #expect(log.events == ["valid"])
        await running.stop()
    }

    // MARK: - Startup failure and shutdown

    @Test func aDeploymentWhoseReplicasCannotStartAnswersUnavailable() async throws {
        let attempted = Gate()
        let config = DeploymentConfig(name: "broken", backend: BackendFactory { () throws(ServingError) in
            try? await attempted.wait()
            throw ServingError(.inferenceFailed, "the model did not compile")
        })
        let running = try await RunningDeployment.start(config, waitUntilReady: false)
        let queued = Task { await running.infer(InferenceRequest(inputs: [])) }
        try #require(await eventually { await running.deployment.queuedCount == 1 })
        attempted.open()
        let queuedResult = await queued.value
        #expect(queuedResult.errorCode == .unavailable)
        if case .failure(let error) = queuedResult { #expect(error.message.contains("did not compile")) }
        // Later requests are turned away the same way, at once.
        let later = await running.infer(InferenceRequest(inputs: []))
        #expect(later.errorCode == .unavailable)
        if case .failure(let error) = later { #expect(error.message.contains("did not compile")) }
        #expect(await !running.deployment.isReady)
        // Waiting for readiness ends with the start-up error instead of waiting forever.
        do {
            try await running.deployment.ready()
            Issue.record("ready() must throw when no replica could start")
        } catch {
            #expect(error.code == .unavailable && error.message.contains("did not compile"))
        }
        await running.stop()
    }

    @Test func shutdownFinishesInFlightWorkThenEndsRunAndTurnsNewRequestsAway() async throws {
        let log = EventLog(), gate = Gate()
        let deployment = try Deployment(Self.serial("shutdown", log: log, gate: gate, inputs: [Self.x]))
        let runEnded = Shared(false)
        let runner = Task {
            await deployment.run()
            runEnded.update { $0 = true }
        }
        try #require(await eventually { await deployment.isReady })
        let blocker = Task { try await deployment.infer(InferenceRequest(id: "blocker", inputs: [scalar("x", 1)])) }
        try #require(await eventually { log.contains("blocker") })
        let queued = Task { try await deployment.infer(InferenceRequest(id: "queued", inputs: [scalar("x", 2)])) }
        try #require(await eventually { await deployment.queuedCount == 1 })

        let shutdown = Task { await deployment.shutdown() }
        // An invalid probe never queues: it is rejected as invalid until shutdown starts, then as unavailable.
        try #require(await eventually("shutdown started") {
            let probe = await RunningDeployment(deployment: deployment, runner: runner).infer(InferenceRequest(inputs: []))
            return probe.errorCode == .unavailable
        })
        let during = await RunningDeployment(deployment: deployment, runner: runner).infer(InferenceRequest(id: "new", inputs: [scalar("x", 3)]))
        #expect(during.errorCode == .unavailable)
        #expect(!runEnded.value)

        gate.open()
        #expect(try await blocker.value.output(named: "id")?.text == "blocker")
        #expect(try await queued.value.output(named: "id")?.text == "queued")
        await shutdown.value
        await runner.value
        #expect(runEnded.value)
        let late = await RunningDeployment(deployment: deployment, runner: runner).infer(InferenceRequest(id: "late", inputs: [scalar("x", 4)]))
        #expect(late.errorCode == .unavailable)
        #expect(log.events == ["blocker", "queued"])
    }

    @Test func invalidConfigsAreRejectedWithTheSettingNamed() throws {
        let handler = BackendFactory.handler { _ in [] }
        #expect(throws: ServingError.self) { try Deployment(DeploymentConfig(name: "has space", backend: handler)) }
        #expect(throws: ServingError.self) { try Deployment(DeploymentConfig(name: "a", replicas: -1, backend: handler)) }
        #expect(throws: ServingError.self) { try Deployment(DeploymentConfig(name: "a", maxOngoingRequests: 0, backend: handler)) }
        let idle = #expect(throws: ServingError.self) { try Deployment(DeploymentConfig(name: "a", replicas: 0, backend: handler)) }
        #expect(idle?.message.contains("autoscaling") == true)
        let error = #expect(throws: ServingError.self) {
            try Deployment(DeploymentConfig(name: "a", autoscaling: AutoscalingPolicy(minReplicas: 3, maxReplicas: 2), backend: handler))
        }
        #expect(error?.code == .invalidConfig)
        #expect(error?.message.contains("max_replicas") == true)
    }
}
