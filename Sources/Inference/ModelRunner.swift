/// Runs a model on input tensors: an infer-request pool in this process, or a serving deployment
/// (batched and shared with every other caller of the engine) through its handle.
///
/// Analyzers hold a `ModelRunner`, so the batch, online and interactive paths can share one engine.
public protocol ModelRunner: Sendable {
    /// Runs the model on `inputs`, in the model's input order; returns its outputs in output order.
    func run(_ inputs: [Tensor]) async throws -> [Tensor]
}

extension InferRequestPool: ModelRunner {
    public func run(_ inputs: [Tensor]) async throws -> [Tensor] { try await infer(inputs) }
}
