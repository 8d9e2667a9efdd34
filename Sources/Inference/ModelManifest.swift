/// What a model expects before inference: layout, colour order, size and normalisation.
///
/// A value `v` is fed as `(v * scale - mean[c]) / std[c]` for channel `c` (one entry = all channels).
public struct Preprocessing: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case image
        case audio
    }

    public var kind: Kind
    /// Tensor layout, e.g. "NHWC", "NCHW", or "NC" for audio samples.
    public var layout: String
    /// "RGB" or "BGR" for images; nil for audio.
    public var colorOrder: String?
    /// [height, width] an image is resized to; -1 marks a free axis; nil when both are free.
    public var inputSize: [Int]?
    public var scale: Double
    public var mean: [Double]
    public var std: [Double]
    /// How the source is fitted to `inputSize`, e.g. "letterbox-center" or "pad-bottom-right-square".
    public var resize: String?
    /// Samples per second for audio.
    public var sampleRate: Int?
    /// Anything else a caller must know (context windows, CTC label conventions).
    public var notes: String

    public init(
        kind: Kind, layout: String, colorOrder: String? = nil, inputSize: [Int]? = nil, scale: Double = 1,
        mean: [Double] = [0], std: [Double] = [1], resize: String? = nil, sampleRate: Int? = nil, notes: String = ""
    ) {
        self.kind = kind
        self.layout = layout
        self.colorOrder = colorOrder
        self.inputSize = inputSize
        self.scale = scale
        self.mean = mean
        self.std = std
        self.resize = resize
        self.sampleRate = sampleRate
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case kind, layout, scale, mean, std, resize, notes
        case colorOrder = "color_order"
        case inputSize = "input_size"
        case sampleRate = "sample_rate"
    }
}

/// The `manifest.json` next to an installed model: where it came from, what it is, how to feed it.
public struct ModelManifest: Sendable, Hashable, Codable {
    /// The PyPI wheel the model file was taken from.
    public struct Source: Sendable, Hashable, Codable {
        public var package: String
        public var version: String
        public var wheel: String
        public var wheelSHA256: String
        /// Path of the model file inside the wheel.
        public var member: String

        public init(package: String, version: String, wheel: String, wheelSHA256: String, member: String) {
            self.package = package
            self.version = version
            self.wheel = wheel
            self.wheelSHA256 = wheelSHA256
            self.member = member
        }

        enum CodingKeys: String, CodingKey {
            case package, version, wheel, member
            case wheelSHA256 = "wheel_sha256"
        }
    }

    public var name: String
    public var version: String
    public var source: Source
    /// File name of the model inside its version directory.
    public var file: String
    public var fileSHA256: String
    public var inputs: [PortInfo]
    public var outputs: [PortInfo]
    public var preprocessing: Preprocessing
    /// Class names by output index (for CTC models: index 0 is the blank).
    public var labels: [String]
    /// The OpenVINO build that read the model to fill `inputs` and `outputs`.
    public var openvinoVersion: String

    public init(
        name: String, version: String, source: Source, file: String, fileSHA256: String, inputs: [PortInfo],
        outputs: [PortInfo], preprocessing: Preprocessing, labels: [String], openvinoVersion: String
    ) {
        self.name = name
        self.version = version
        self.source = source
        self.file = file
        self.fileSHA256 = fileSHA256
        self.inputs = inputs
        self.outputs = outputs
        self.preprocessing = preprocessing
        self.labels = labels
        self.openvinoVersion = openvinoVersion
    }

    enum CodingKeys: String, CodingKey {
        case name, version, source, file, inputs, outputs, preprocessing, labels
        case fileSHA256 = "file_sha256"
        case openvinoVersion = "openvino_version"
    }
}

extension PortInfo {
    enum CodingKeys: String, CodingKey {
        case name, shape
        case elementType = "element_type"
    }
}
