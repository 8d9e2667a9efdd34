import Foundation
import Inference

/// A deployment as a `ModelRunner`: each call is one request to the deployment, queued, batched and
/// routed with every other caller's, with the caller's priority; cancelling the caller cancels it.
public struct DeploymentRunner: ModelRunner {
    public let handle: DeploymentHandle
    /// Names of the deployment's inputs, in the order `run` receives tensors.
    public let inputNames: [String]
    public let priority: Int

    public init(handle: DeploymentHandle, inputNames: [String], priority: Int = 0) {
        self.handle = handle
        self.inputNames = inputNames
        self.priority = priority
    }

    /// A runner for an in-process deployment, with its input names read from the deployment.
    public init(_ deployment: Deployment, priority: Int = 0) async {
        self.init(handle: DeploymentHandle(deployment), inputNames: await deployment.inputs.map(\.name), priority: priority)
    }

    public func run(_ inputs: [Tensor]) async throws -> [Tensor] {
        guard inputs.count == inputNames.count else {
            throw ServingError(.invalidInput, "deployment '\(handle.name)' takes \(inputNames.count) input(s), got \(inputs.count)")
        }
        let request = InferenceRequest(inputs: try zip(inputNames, inputs).map { name, tensor in
            try TensorData(name: name, datatype: .init(tensor.elementType), shape: tensor.shape, data: tensor.withUnsafeBytes { Data($0) })
        }, priority: priority)
        return try await handle.infer(request).outputs.map { output in
            let tensor = try Tensor(elementType: output.datatype.elementType, shape: output.shape)
            tensor.withUnsafeMutableBytes { target in output.data.withUnsafeBytes { target.copyMemory(from: $0) } }
            return tensor
        }
    }
}
