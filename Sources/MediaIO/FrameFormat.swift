import PlayheadCore

/// The pixels a caller wants from the decoder: size, layout, resize mode and normalisation.
public struct FrameFormat: Sendable, Hashable {
    /// Memory layout of the pixels.
    public enum Layout: Sendable, Hashable {
        /// Interleaved 8-bit RGB, row-major, `width * 3` bytes a row.
        case rgb24
        /// Planar float32, channel-first ([3, H, W]), as ONNX/PyTorch models want.
        case float32NCHW
        /// Interleaved float32, channel-last ([H, W, 3]), as TFLite models want.
        case float32NHWC
    }

    /// How the source is fitted into the requested size.
    public enum Resize: Sendable, Hashable {
        /// Scale each axis independently to fill the size.
        case stretch
        /// Keep the aspect ratio, centre, pad the rest with `padding` (0–255, per channel).
        case letterbox(padding: UInt8)
    }

    /// Scaling filter; `.bicubic` matches the ffmpeg command line's default.
    public enum Filter: Sendable, Hashable { case fastBilinear, bilinear, bicubic, area }

    /// Output size; nil keeps the source size.
    public var width: Int?
    public var height: Int?
    public var layout: Layout
    public var resize: Resize
    public var filter: Filter
    /// For float layouts: each channel becomes `(value / 255 - mean[c]) / std[c]`.
    public var mean: [Float]
    public var std: [Float]

    /// The largest side the decoder will produce; anything larger is a caller error, not a request to honour.
    public static let maxSide = 8192

    public init(width: Int? = nil, height: Int? = nil, layout: Layout = .rgb24, resize: Resize = .stretch,
                filter: Filter = .bicubic, mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) {
        self.width = width
        self.height = height
        self.layout = layout
        self.resize = resize
        self.filter = filter
        self.mean = mean
        self.std = std
    }

    /// Source-size RGB24.
    public static let rgb24 = FrameFormat()

    func validate() throws {
        for (name, side) in [("width", width), ("height", height)] {
            if let side, !(1...Self.maxSide).contains(side) {
                throw PlayheadError(.invalidArgument, "requested frame \(name) \(side) is outside 1...\(Self.maxSide)")
            }
        }
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw PlayheadError(.invalidArgument, "normalisation needs 3 finite means and 3 finite non-zero standard deviations")
        }
    }
}

/// Maps coordinates in a converted frame back to the source frame (undoing resize and letterbox).
public struct FrameMapping: Sendable, Hashable {
    /// Source pixels per output pixel along x and y.
    public var scaleX: Double
    public var scaleY: Double
    /// Where the scaled source starts inside the output (letterbox padding), in output pixels.
    public var offsetX: Double
    public var offsetY: Double

    public static let identity = FrameMapping(scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0)

    public func toSource(_ point: Point) -> Point {
        Point(x: (point.x - offsetX) * scaleX, y: (point.y - offsetY) * scaleY)
    }

    public func toSource(_ box: BoundingBox) -> BoundingBox {
        BoundingBox(x: (box.x - offsetX) * scaleX, y: (box.y - offsetY) * scaleY, width: box.width * scaleX, height: box.height * scaleY)
    }
}

/// The pixels of one converted frame.
public enum PixelData: Sendable {
    case rgb24([UInt8])
    case float32([Float])

    /// The bytes of an `.rgb24` frame; nil for float layouts.
    public var rgb: [UInt8]? { if case .rgb24(let bytes) = self { bytes } else { nil } }
    /// The values of a float layout; nil for `.rgb24`.
    public var floats: [Float]? { if case .float32(let values) = self { values } else { nil } }
}

/// One decoded, converted video frame.
public struct VideoFrame: Sendable {
    /// 0-based index of the frame in the stream, derived from its timestamp and the stream's frame rate.
    public var index: Int64
    /// Presentation time from the start of the stream, exact.
    public var time: MediaTime
    public var isKeyframe: Bool
    public var width: Int
    public var height: Int
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var layout: FrameFormat.Layout
    public var pixels: PixelData
    public var mapping: FrameMapping
}
