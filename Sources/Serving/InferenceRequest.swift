/// One inference call on a deployment: named input tensors plus how urgent it is.
public struct InferenceRequest: Sendable {
    /// The client's request id, echoed in the response.
    public var id: String?
    public var inputs: [TensorData]
    /// Output names to return; nil returns every output.
    public var outputs: [String]?
    /// Higher runs first when requests queue; equal priorities are first-come, first-served.
    public var priority: Int
    /// Past this instant the request is failed with `deadlineExceeded` instead of being computed.
    public var deadline: ContinuousClock.Instant?

    public init(id: String? = nil, inputs: [TensorData], outputs: [String]? = nil, priority: Int = 0, deadline: ContinuousClock.Instant? = nil) {
        self.id = id
        self.inputs = inputs
        self.outputs = outputs
        self.priority = priority
        self.deadline = deadline
    }

    public func input(named name: String) -> TensorData? { inputs.first { $0.name == name } }
}

/// The answer to one `InferenceRequest`.
public struct InferenceResponse: Sendable {
    public var id: String?
    public var modelName: String
    /// The version of the replica that computed it (differs across a rolling update).
    public var modelVersion: String
    public var outputs: [TensorData]

    public init(id: String? = nil, modelName: String, modelVersion: String, outputs: [TensorData]) {
        self.id = id
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.outputs = outputs
    }

    public func output(named name: String) -> TensorData? { outputs.first { $0.name == name } }
}
