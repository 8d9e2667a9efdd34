internal import COpenVINO

/// A model input or output: tensor name, element type and (partial) shape.
public struct PortInfo: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The tensor name; empty when the model gives the tensor no name.
    public var name: String
    public var elementType: ElementType
    /// One entry per axis; `-1` marks a dynamic axis (including bounded ones such as `32..`).
    public var shape: [Int]

    public init(name: String, elementType: ElementType, shape: [Int]) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }

    /// Whether any axis is dynamic, i.e. the model must be reshaped or fed per-call shapes.
    public var isDynamic: Bool { shape.contains(-1) }

    /// Whether a concrete tensor shape fits this port (same rank, equal on every static axis).
    public func accepts(shape concrete: [Int]) -> Bool {
        concrete.count == shape.count && zip(shape, concrete).allSatisfy { $0 == -1 || $0 == $1 }
    }

    public var description: String {
        "\(name) \(elementType) [\(shape.map { $0 == -1 ? "?" : String($0) }.joined(separator: ","))]"
    }
}

extension PortInfo {
    /// Reads name, type and partial shape of an OpenVINO port; takes ownership of `port` and frees it.
    init(consuming port: OpaquePointer, operation: String) throws(InferenceError) {
        defer { ov_output_const_port_free(port) }

        var rawName: UnsafeMutablePointer<CChar>?
        // A tensor without names makes OpenVINO throw; that is a legitimate model, so the name is empty.
        let name = ov_port_get_any_name(port, &rawName) == OK ? takeOpenVINOString(rawName) : ""

        var rawType = DYNAMIC
        try check(ov_port_get_element_type(port, &rawType), "\(operation): element type", code: .modelInvalid)
        guard let elementType = ElementType(openVINO: rawType) else {
            throw InferenceError(
                .modelInvalid, operation: operation,
                message: "port '\(name)' has element type \(ElementType.openVINOName(rawType)), which Playhead cannot feed or read")
        }

        var partial = ov_partial_shape_t()
        try check(ov_port_get_partial_shape(port, &partial), "\(operation): shape", code: .modelInvalid)
        defer { ov_partial_shape_free(&partial) }
        guard !ov_rank_is_dynamic(partial.rank) else {
            throw InferenceError(.modelInvalid, operation: operation, message: "port '\(name)' has a dynamic rank; Playhead needs a known rank")
        }
        let rank = Int(partial.rank.max)
        let shape = (0..<rank).map { axis -> Int in
            let dimension = partial.dims[axis]
            return ov_dimension_is_dynamic(dimension) ? -1 : Int(dimension.max)
        }
        self.init(name: name, elementType: elementType, shape: shape)
    }
}
