/// How to compile a model: device, performance hint, precision, threads and streams.
///
/// `nil` leaves a setting to the device's default (which is what OpenVINO tunes per CPU).
public struct CompileOptions: Sendable, Hashable {
    /// OpenVINO's `PERFORMANCE_HINT`.
    public enum PerformanceHint: String, Sendable, Hashable, Codable {
        /// Few streams, each request as fast as possible (interactive and online paths).
        case latency = "LATENCY"
        /// Several streams so many requests in flight finish per second (batch path).
        case throughput = "THROUGHPUT"
    }

    /// OpenVINO's `INFERENCE_PRECISION_HINT`.
    public enum Precision: String, Sendable, Hashable, Codable {
        case f32
        case bf16
    }

    /// OpenVINO device name, e.g. "CPU".
    public var device: String
    public var hint: PerformanceHint
    /// `nil` is the device default: bf16 on CPUs with AMX, f32 elsewhere.
    public var precision: Precision?
    /// `INFERENCE_NUM_THREADS`; `nil` lets the plugin use all cores.
    public var threads: Int?
    /// `NUM_STREAMS`; `nil` lets the performance hint decide.
    public var streams: Int?

    public init(
        device: String = "CPU", hint: PerformanceHint = .latency, precision: Precision? = nil,
        threads: Int? = nil, streams: Int? = nil
    ) {
        self.device = device
        self.hint = hint
        self.precision = precision
        self.threads = threads
        self.streams = streams
    }

    /// The options as OpenVINO property key/value strings, in a stable order.
    func openVINOProperties() throws(InferenceError) -> [(key: String, value: String)] {
        if let threads, threads < 1 {
            throw .invalidArgument("compile options", "threads must be at least 1, got \(threads)")
        }
        if let streams, streams < 1 {
            throw .invalidArgument("compile options", "streams must be at least 1, got \(streams)")
        }
        var properties: [(key: String, value: String)] = [("PERFORMANCE_HINT", hint.rawValue)]
        if let precision { properties.append(("INFERENCE_PRECISION_HINT", precision.rawValue)) }
        if let threads { properties.append(("INFERENCE_NUM_THREADS", String(threads))) }
        if let streams { properties.append(("NUM_STREAMS", String(streams))) }
        return properties
    }
}
