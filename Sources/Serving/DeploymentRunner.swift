import Foundation
import Inference

/// A deployment as a `ModelRunner`: each call is one request to the deployment, queued, batched and
/// routed with every other caller's, with the caller's priority; cancelling the caller cancels it.
public struct DeploymentRunner: ModelRunner {
    private enum Target: Sendable {
        /// Input names are read from the deployment at each call (a rolling update may change them).
        case local(Deployment)
        case handle(DeploymentHandle, inputNames: [String])
    }

    private let target: Target
    public let priority: Int

    /// A runner for an in-process deployment.
    public init(_ deployment: Deployment, priority: Int = 0) {
        target = .local(deployment)
        self.priority = priority
    }

    /// A runner for any handle (e.g. a remote `playhead serve`), given the deployment's input names in order.
    public init(handle: DeploymentHandle, inputNames: [String], priority: Int = 0) {
        target = .handle(handle, inputNames: inputNames)
        self.priority = priority
    }

    public func run(_ inputs: [Tensor]) async throws -> [Tensor] {
        let handle: DeploymentHandle, names: [String]
        switch target {
        case .local(let deployment):
            handle = DeploymentHandle(deployment)
            names = await deployment.inputs.map(\.name)
        case .handle(let remote, let inputNames):
            (handle, names) = (remote, inputNames)
        }
        guard inputs.count == names.count else {
            throw ServingError(.invalidInput, "deployment '\(handle.name)' takes \(names.count) input(s), got \(inputs.count)")
        }
        let request = InferenceRequest(inputs: try zip(names, inputs).map { name, tensor in
            try TensorData(name: name, datatype: .init(tensor.elementType), shape: tensor.shape, data: tensor.withUnsafeBytes { Data($0) })
        }, priority: priority)
        return try await handle.infer(request).outputs.map { output in
            let tensor = try Tensor(elementType: output.datatype.elementType, shape: output.shape)
            tensor.withUnsafeMutableBytes { target in output.data.withUnsafeBytes { target.copyMemory(from: $0) } }
            return tensor
        }
    }
}
