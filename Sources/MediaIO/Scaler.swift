import CFFmpeg
import PlayheadCore

/// Owns a `SwsContext` and converts decoded frames to the caller's `FrameFormat`.
///
/// The context is cached: it is rebuilt only when the source size or pixel format changes mid-stream.
final class Scaler {
    private var context: OpaquePointer?
    private let format: FrameFormat
    private var lookup: [[Float]] = []

    init(format: FrameFormat) throws {
        try format.validate()
        self.format = format
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
        let sourceWidth = Int(source.width), sourceHeight = Int(source.height)
        let g = geometry(sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        var rgb = [UInt8](repeating: padding, count: g.width * g.height * 3)
        context = sws_getCachedContext(context, source.width, source.height, AVPixelFormat(source.format),
                                       Int32(g.placedWidth), Int32(g.placedHeight), AV_PIX_FMT_RGB24, flags, nil, nil, nil)
        guard let context else {
            throw PlayheadError(.decodeFailed, "cannot convert \(sourceWidth)x\(sourceHeight) frames of pixel format \(source.format) to RGB")
        }
        let stride = Int32(g.width * 3)
        let scaled = rgb.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var destination: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress! + g.y * g.width * 3 + g.x * 3, nil, nil, nil]
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
        let mapping = FrameMapping(scaleX: Double(sourceWidth) / Double(g.placedWidth), scaleY: Double(sourceHeight) / Double(g.placedHeight),
                                   offsetX: Double(g.x), offsetY: Double(g.y))
        return VideoFrame(index: index, time: time, isKeyframe: source.key_frame != 0,
                          width: g.width, height: g.height, sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                          layout: format.layout, pixels: pixels(from: rgb, width: g.width, height: g.height), mapping: mapping)
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
