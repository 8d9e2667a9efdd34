import CFFmpeg
import PlayheadCore

/// Owns a `SwsContext` and converts decoded frames to the caller's `FrameFormat`.
///
/// The context is cached: it is rebuilt only when the source size or pixel format changes mid-stream.
/// Frames come out in displayed orientation: a stream's rotation metadata is applied, so sizes, pixels
/// and the mapping back to source pixels are all what a viewer sees.
final class Scaler {
    private var context: OpaquePointer?
    private let format: FrameFormat
    /// Clockwise degrees a player rotates by on display: 0, 90, 180 or 270.
    private let rotation: Int
    private var lookup: [[Float]] = []

    init(format: FrameFormat, rotation: Int = 0) throws {
        try format.validate()
        self.format = format
        self.rotation = [90, 180, 270].contains(rotation) ? rotation : 0
        if format.layout != .rgb24 {
            // value/255 normalised per channel, precomputed once for all 256 byte values.
            lookup = (0..<3).map { c in (0..<256).map { (Float($0) / 255 - format.mean[c]) / format.std[c] } }
        }
    }

    /// Output geometry for a source size: total size, placed-image size and offset.
    func geometry(sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int, placedWidth: Int, placedHeight: Int, x: Int, y: Int) {
        let width = format.width ?? sourceWidth
        let height = format.height ?? sourceHeight
        switch format.resize {
        case .stretch:
            return (width, height, width, height, 0, 0)
        case .letterbox:
            let scale = min(Double(width) / Double(sourceWidth), Double(height) / Double(sourceHeight))
            let placedWidth = min(width, max(1, Int((Double(sourceWidth) * scale).rounded())))
            let placedHeight = min(height, max(1, Int((Double(sourceHeight) * scale).rounded())))
            return (width, height, placedWidth, placedHeight, (width - placedWidth) / 2, (height - placedHeight) / 2)
        }
    }

    func convert(_ frame: Frame, index: Int64, time: MediaTime) throws -> VideoFrame {
        let source = frame.pointer.pointee
        let quarterTurn = rotation == 90 || rotation == 270
        let sourceWidth = Int(quarterTurn ? source.height : source.width), sourceHeight = Int(quarterTurn ? source.width : source.height)
        let g = geometry(sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        var rgb = [UInt8](repeating: padding, count: g.width * g.height * 3)
        if rotation == 0 {
            try scale(frame, into: &rgb, width: g.placedWidth, height: g.placedHeight, stride: g.width, offset: g.y * g.width * 3 + g.x * 3)
        } else {
            // Scale in stored orientation, then turn the (small) result into place.
            let (storedWidth, storedHeight) = quarterTurn ? (g.placedHeight, g.placedWidth) : (g.placedWidth, g.placedHeight)
            var stored = [UInt8](repeating: 0, count: storedWidth * storedHeight * 3)
            try scale(frame, into: &stored, width: storedWidth, height: storedHeight, stride: storedWidth, offset: 0)
            rotate(stored, width: storedWidth, height: storedHeight, into: &rgb, stride: g.width, x: g.x, y: g.y)
        }
        let mapping = FrameMapping(scaleX: Double(sourceWidth) / Double(g.placedWidth), scaleY: Double(sourceHeight) / Double(g.placedHeight),
                                   offsetX: Double(g.x), offsetY: Double(g.y))
        return VideoFrame(index: index, time: time, isKeyframe: source.key_frame != 0,
                          width: g.width, height: g.height, sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                          layout: format.layout, pixels: pixels(from: rgb, width: g.width, height: g.height), mapping: mapping)
    }

    /// Scales the frame to `width` x `height` RGB into `rgb`, rows `stride` pixels apart, starting at byte `offset`.
    private func scale(_ frame: Frame, into rgb: inout [UInt8], width: Int, height: Int, stride: Int, offset: Int) throws {
        let source = frame.pointer.pointee
        context = sws_getCachedContext(context, source.width, source.height, AVPixelFormat(source.format),
                                       Int32(width), Int32(height), AV_PIX_FMT_RGB24, flags, nil, nil, nil)
        guard let context else {
            throw PlayheadError(.decodeFailed, "cannot convert \(source.width)x\(source.height) frames of pixel format \(source.format) to RGB")
        }
        let stride = Int32(stride * 3)
        let scaled = rgb.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var destination: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress! + offset, nil, nil, nil]
            var strides: [Int32] = [stride, 0, 0, 0]
            return withUnsafePointer(to: frame.pointer.pointee.data) { data in
                withUnsafePointer(to: frame.pointer.pointee.linesize) { linesize in
                    data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { planes in
                        linesize.withMemoryRebound(to: Int32.self, capacity: 8) { lines in
                            sws_scale(context, planes, lines, 0, source.height, &destination, &strides)
                        }
                    }
                }
            }
        }
        try check(scaled, "scaling a frame")
    }

    /// Turns a `width` x `height` RGB image clockwise by `rotation` into `output` at (`x`, `y`).
    private func rotate(_ stored: [UInt8], width: Int, height: Int, into output: inout [UInt8], stride: Int, x: Int, y: Int) {
        let (turnedWidth, turnedHeight) = rotation == 180 ? (width, height) : (height, width)
        let rotation = self.rotation
        stored.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for row in 0..<turnedHeight {
                    for column in 0..<turnedWidth {
                        let (sx, sy) = switch rotation {
                        case 90: (row, height - 1 - column)
                        case 180: (width - 1 - column, height - 1 - row)
                        default: (width - 1 - row, column)
                        }
                        let from = (sy * width + sx) * 3, to = ((y + row) * stride + x + column) * 3
                        target[to] = source[from]
                        target[to + 1] = source[from + 1]
                        target[to + 2] = source[from + 2]
                    }
                }
            }
        }
    }

    private var padding: UInt8 {
        if case .letterbox(let value) = format.resize { value } else { 0 }
    }

    private var flags: Int32 {
        switch format.filter {
        case .fastBilinear: SWS_FAST_BILINEAR
        case .bilinear: SWS_BILINEAR
        case .bicubic: SWS_BICUBIC
        case .area: SWS_AREA
        }
    }

    private func pixels(from rgb: [UInt8], width: Int, height: Int) -> PixelData {
        let plane = width * height
        switch format.layout {
        case .rgb24:
            return .rgb24(rgb)
        case .float32NHWC:
            let (r, g, b) = (lookup[0], lookup[1], lookup[2])
            return .float32([Float](unsafeUninitializedCapacity: plane * 3) { out, count in
                for i in 0..<plane {
                    out[3 * i] = r[Int(rgb[3 * i])]
                    out[3 * i + 1] = g[Int(rgb[3 * i + 1])]
                    out[3 * i + 2] = b[Int(rgb[3 * i + 2])]
                }
                count = plane * 3
            })
        case .float32NCHW:
            let (r, g, b) = (lookup[0], lookup[1], lookup[2])
            return .float32([Float](unsafeUninitializedCapacity: plane * 3) { out, count in
                for i in 0..<plane {
                    out[i] = r[Int(rgb[3 * i])]
                    out[plane + i] = g[Int(rgb[3 * i + 1])]
                    out[2 * plane + i] = b[Int(rgb[3 * i + 2])]
                }
                count = plane * 3
            })
        }
    }

    deinit { sws_freeContext(context) }
}

@available(*, unavailable)
extension Scaler: Sendable {}
