import Foundation
import Serving
import Synchronization
import Testing
import TestSupport

// Shared helpers for the Serving tests. Nothing here measures time: tests order events with gates
// the test opens and wait for states by polling (`eventually`), whose timeout only guards against a hang.

/// What the handlers did, in order.
final class EventLog: Sendable {
    private let state = Mutex<[String]>([])

    init() {}

    func record(_ event: String) { state.withLock { $0.append(event) } }
    var events: [String] { state.withLock { $0 } }
    func contains(_ event: String) -> Bool { state.withLock { $0.contains(event) } }
}

/// A deployment with its `run()` loop going; `stop()` shuts it down and waits for the loop to end.
struct RunningDeployment {
    let deployment: Deployment
    let runner: Task<Void, Never>

    static func start(_ config: DeploymentConfig, waitUntilReady: Bool = true) async throws -> RunningDeployment {
        let deployment = try Deployment(config)
        let runner = Task { await deployment.run() }
        let running = RunningDeployment(deployment: deployment, runner: runner)
        if waitUntilReady {
            do {
                try await deployment.ready()
            } catch {
                runner.cancel()
                throw error
            }
        }
        return running
    }

    func stop() async {
        await deployment.shutdown()
        await runner.value
    }

    func infer(_ request: InferenceRequest) async -> Result<InferenceResponse, ServingError> {
        do { return .success(try await deployment.infer(request)) } catch { return .failure(error) }
    }
}

extension Result where Failure == ServingError {
    var errorCode: ServingError.Code? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
    var response: Success? { try? get() }
}

// MARK: - Tensors

/// A one-element FP32 tensor.
func scalar(_ name: String, _ value: Float) -> TensorData {
    TensorData(name: name, shape: [1], floats: [value])
}

/// A one-element INT32 tensor.
func int32Scalar(_ name: String, _ value: Int32) -> TensorData {
    try! TensorData(name: name, datatype: .int32, shape: [1], data: withUnsafeBytes(of: value) { Data($0) })
}

extension TensorData {
    var int32s: [Int32] {
        data.withUnsafeBytes { raw in (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) } }
    }

    /// A UINT8 tensor holding a string's UTF-8 bytes (KServe's BYTES type is not supported).
    static func text(_ name: String, _ value: String) -> TensorData {
        let bytes = Data(value.utf8)
        return try! TensorData(name: name, datatype: .uint8, shape: [bytes.count], data: bytes)
    }

    var text: String { String(decoding: data, as: UTF8.self) }
}

extension InferenceResponse {
    /// The first value of FP32 output `name`.
    func float(_ name: String) -> Float? { output(named: name)?.floats()?.first }
}
