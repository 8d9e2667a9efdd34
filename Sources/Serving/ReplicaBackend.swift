/// What one replica runs: a compiled model with its infer-request pool, or a Swift handler.
public protocol ReplicaBackend: Sendable {
    /// Inputs the backend accepts (-1 = any size); an empty list accepts anything.
    var inputs: [TensorSpec] { get }
    var outputs: [TensorSpec] { get }
    /// Batches it can run at the same time.
    var concurrency: Int { get }
    /// Runs once before the replica receives traffic, so the first real request is not the slow one.
    func warmUp() async throws(ServingError)
    /// True when running requests together gains nothing over running them one by one (a model whose
    /// batch dimension is static runs each request on its own infer request anyway). The batcher then
    /// dispatches every request alone as soon as there is room, so none waits for a batch to gather
    /// or for the slowest request of its batch.
    var runsRequestsAlone: Bool { get }
    /// Runs a batch and returns exactly one result per request, in order. Task cancellation stops it.
    func run(_ batch: [InferenceRequest]) async -> [Result<[TensorData], ServingError>]
}

extension ReplicaBackend {
    public var runsRequestsAlone: Bool { false }

    /// Why `request` cannot run on this backend, or nil.
    func validate(_ request: InferenceRequest) -> ServingError? {
        guard !inputs.isEmpty else { return nil }
        for spec in inputs {
            guard let tensor = request.input(named: spec.name) else {
                return ServingError(.invalidInput, "missing input '\(spec.name)'; expected \(inputs.map(\.name).joined(separator: ", "))")
            }
            if let mismatch = spec.mismatch(tensor) { return ServingError(.invalidInput, mismatch) }
        }
        if let unknown = request.inputs.first(where: { tensor in !inputs.contains { $0.name == tensor.name } }) {
            return ServingError(.invalidInput, "unknown input '\(unknown.name)'; expected \(inputs.map(\.name).joined(separator: ", "))")
        }
        if let wanted = request.outputs, !outputs.isEmpty,
           let unknown = wanted.first(where: { name in !outputs.contains { $0.name == name } }) {
            return ServingError(.invalidInput, "unknown output '\(unknown)'; available: \(outputs.map(\.name).joined(separator: ", "))")
        }
        return nil
    }
}

/// Runs Swift code per request.
struct HandlerBackend: ReplicaBackend {
    let inputs: [TensorSpec]
    let outputs: [TensorSpec]
    let concurrency: Int
    let body: @Sendable (InferenceRequest) async throws -> [TensorData]

    func warmUp() async throws(ServingError) {}

    func run(_ batch: [InferenceRequest]) async -> [Result<[TensorData], ServingError>] {
        await withTaskGroup(of: (Int, Result<[TensorData], ServingError>).self) { group in
            for (index, request) in batch.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await body(request)))
                    } catch let error as ServingError {
                        return (index, .failure(error))
                    } catch is CancellationError {
                        return (index, .failure(ServingError(.cancelled, "the request was cancelled")))
                    } catch {
                        return (index, .failure(ServingError(.inferenceFailed, "handler failed: \(error)")))
                    }
                }
            }
            var results = [Result<[TensorData], ServingError>](repeating: .failure(ServingError(.internal, "no result")), count: batch.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
    }
}
