import Foundation
import Inference
import Synchronization

/// A replica backed by an OpenVINO model: one compiled model and its pool of infer requests.
///
/// When every input's first dimension is dynamic, requests with matching shapes in a batch are stacked
/// along it into one inference and the outputs split back; otherwise (or for mismatched shapes) each
/// request runs on its own infer request, concurrently, which OpenVINO's throughput streams exploit.
///
/// With `latencyWhenIdle`, the model is compiled a second time with the latency hint (one stream using
/// every thread) and an inference that starts while the replica runs nothing else takes that copy: a lone
/// request gets the latency hint's speed, requests under load the throughput streams' rate.
final class ModelBackend: ReplicaBackend {
    let pool: InferRequestPool
    let inputs: [TensorSpec]
    let outputs: [TensorSpec]
    let concurrency: Int
    private let stacksBatches: Bool
    var runsRequestsAlone: Bool { !stacksBatches }
    private let latencyPool: InferRequestPool?
    /// Inferences running on this replica, either copy.
    private let running = Atomic<Int>(0)

    init(path: String, core: InferenceCore, options: CompileOptions, inputShapes: [String: [Int]], inferRequests: Int?,
         latencyWhenIdle: Bool = false) throws(ServingError) {
        do {
            let model = try core.readModel(path: path)
            if !inputShapes.isEmpty { try model.reshape(inputShapes) }
            let compiled = try core.compile(model: model, options: options)
            // Two requests per stream by default: while one runs, the next is already bound and queued in
            // OpenVINO, so a stream never idles while the engine hands it more work (+6 % req/s at 32 clients).
            pool = try InferRequestPool(model: compiled, size: inferRequests ?? 2 * compiled.optimalNumberOfInferRequests)
            if latencyWhenIdle {
                var latency = options
                latency.hint = .latency
                latency.streams = nil
                latencyPool = try InferRequestPool(model: try core.compile(model: model, options: latency), size: 1)
            } else {
                latencyPool = nil
            }
            inputs = compiled.inputs.map { TensorSpec(name: $0.name, datatype: .init($0.elementType), shape: $0.shape) }
            outputs = compiled.outputs.map { TensorSpec(name: $0.name, datatype: .init($0.elementType), shape: $0.shape) }
        } catch {
            throw ServingError(error)
        }
        concurrency = pool.size
        stacksBatches = inputs.allSatisfy { ($0.shape.first ?? 0) < 0 }
    }

    func warmUp() async throws(ServingError) {
        // Unknown non-batch sizes get a plausible image size; a model that rejects it still serves
        // real inputs, so only a fully static model's warm-up failure is fatal.
        let fullyStatic = inputs.allSatisfy { $0.shape.dropFirst().allSatisfy { $0 >= 0 } }
        let tensors = inputs.map { spec in
            let shape = spec.shape.enumerated().map { index, size in size >= 0 ? size : (index == 0 ? 1 : 64) }
            return try! TensorData(name: spec.name, datatype: spec.datatype, shape: shape,
                                   data: Data(count: shape.reduce(1, *) * spec.datatype.byteSize))
        }
        // One request at a time, so the latency copy (taken when idle) warms up first; then the
        // throughput pool's requests all at once.
        for warmUpBatch in [[InferenceRequest(inputs: tensors)], Array(repeating: InferenceRequest(inputs: tensors), count: concurrency)] {
            for result in await run(warmUpBatch) {
                if case .failure(let error) = result, fullyStatic {
                    throw ServingError(.unavailable, "warm-up inference failed: \(error.message)")
                }
            }
        }
    }

    func run(_ batch: [InferenceRequest]) async -> [Result<[TensorData], ServingError>] {
        if batch.count == 1 { return await infer(batch) }
        var groups: [[Int]] = []
        if stacksBatches {
            var bySignature: [[[Int]]: Int] = [:]
            for (index, request) in batch.enumerated() {
                let signature = inputs.map { spec in Array(request.input(named: spec.name)?.shape.dropFirst() ?? []) }
                if let group = bySignature[signature] { groups[group].append(index) } else {
                    bySignature[signature] = groups.count
                    groups.append([index])
                }
            }
        } else {
            groups = batch.indices.map { [$0] }
        }
        return await withTaskGroup(of: ([Int], [Result<[TensorData], ServingError>]).self) { taskGroup in
            for group in groups {
                taskGroup.addTask { (group, await self.infer(group.map { batch[$0] })) }
            }
            var results = [Result<[TensorData], ServingError>](repeating: .failure(ServingError(.internal, "no result")), count: batch.count)
            for await (group, groupResults) in taskGroup {
                for (index, result) in zip(group, groupResults) { results[index] = result }
            }
            return results
        }
    }

    /// Runs on the latency copy when nothing else runs on this replica, else on the throughput pool.
    private func inferOnEitherCopy(_ tensors: [Tensor]) async throws(InferenceError) -> [Tensor] {
        let alone = running.add(1, ordering: .acquiringAndReleasing).oldValue == 0
        defer { running.subtract(1, ordering: .acquiringAndReleasing) }
        if alone, let latencyPool { return try await latencyPool.infer(tensors) }
        return try await pool.infer(tensors)
    }

    /// One inference over `requests` stacked along the first dimension (one request: no stacking).
    private func infer(_ requests: [InferenceRequest]) async -> [Result<[TensorData], ServingError>] {
        let rows = requests.map { $0.inputs.first?.shape.first ?? 1 }
        let totalRows = rows.reduce(0, +)
        do throws(ServingError) {
            let tensors = try inputs.map { spec throws(ServingError) in
                let parts = requests.map { $0.input(named: spec.name)! }
                var shape = parts[0].shape
                if parts.count > 1 { shape[0] = parts.reduce(0) { $0 + $1.shape[0] } }
                // TensorData's fields are mutable, so the byte count is checked again right before the copy.
                guard let count = TensorData.elementCount(shape),
                      parts.reduce(0, { $0 + $1.data.count }) == count * spec.datatype.byteSize else {
                    throw ServingError(.invalidInput, "input '\(spec.name)': the data size does not match shape \(shape) of \(spec.datatype.rawValue)")
                }
                do throws(InferenceError) {
                    return try Tensor(elementType: spec.datatype.elementType, shape: shape) { destination in
                        var offset = 0
                        for part in parts {
                            part.data.withUnsafeBytes { source in
                                UnsafeMutableRawBufferPointer(rebasing: destination[offset...]).copyMemory(from: source)
                            }
                            offset += part.data.count
                        }
                    }
                } catch {
                    throw ServingError(error)
                }
            }
            let results: [Tensor]
            do throws(InferenceError) { results = try await inferOnEitherCopy(tensors) } catch { throw ServingError(error) }
            var perRequest = [[TensorData]](repeating: [], count: requests.count)
            for (spec, tensor) in zip(outputs, results) {
                let bytes = tensor.withUnsafeBytes { Data($0) }
                if requests.count == 1 {
                    perRequest[0].append(try TensorData(name: spec.name, datatype: .init(tensor.elementType), shape: tensor.shape, data: bytes))
                    continue
                }
                guard tensor.shape.first == totalRows, totalRows > 0 else {
                    throw ServingError(.inferenceFailed, "output '\(spec.name)' has shape \(tensor.shape); cannot split it into \(totalRows) rows")
                }
                let rowBytes = bytes.count / totalRows
                var offset = 0
                for (index, count) in rows.enumerated() {
                    var shape = tensor.shape
                    shape[0] = count
                    let slice = bytes.subdata(in: offset..<(offset + count * rowBytes))
                    perRequest[index].append(try TensorData(name: spec.name, datatype: .init(tensor.elementType), shape: shape, data: slice))
                    offset += count * rowBytes
                }
            }
            return zip(requests, perRequest).map { request, outputs in
                guard let wanted = request.outputs else { return .success(outputs) }
                return .success(outputs.filter { wanted.contains($0.name) })
            }
        } catch {
            return requests.map { _ in .failure(error) }
        }
    }
}
