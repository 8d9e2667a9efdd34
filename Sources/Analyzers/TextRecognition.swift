import PlayheadCore

/// PP-OCR text-line recognition: the model's input image for one line, and CTC greedy decoding of its output.
///
/// Follows RapidOCR 1.4.4's `TextRecognizer`: a line is scaled to height 48 keeping its aspect ratio,
/// in BGR, normalised to −1…1, and padded on the right with zeros to the batch's width (at least 320);
/// the output `[N, T, classes]` is decoded by taking each step's most likely class, merging repeats
/// and dropping the blank (class 0).
public enum TextRecognition {
    public static let inputHeight = 48
    /// RapidOCR never feeds narrower lines; the model was trained on 48x320.
    public static let minInputWidth = 320
    /// A box this much taller than wide is vertical text, read rotated 90° anticlockwise (as RapidOCR does).
    public static let verticalAspect = 1.5

    /// Width of a line's image at height 48 before padding.
    public static func scaledWidth(of box: BoundingBox) -> Int {
        let (width, height) = isVertical(box) ? (box.height, box.width) : (box.width, box.height)
        guard width > 0, height > 0 else { return 1 }
        return max(1, Int((Double(inputHeight) * width / height).rounded(.up)))
    }

    static func isVertical(_ box: BoundingBox) -> Bool { box.height >= verticalAspect * box.width }

    /// The model input for one line: `[3, 48, inputWidth]` floats, BGR, (value / 255 − 0.5) / 0.5,
    /// bilinearly sampled from `box` of an RGB24 image, zero beyond the line's scaled width.
    public static func lineInput(rgb: [UInt8], width: Int, height: Int, box: BoundingBox, inputWidth: Int) -> [Float] {
        let outHeight = inputHeight
        let plane = outHeight * inputWidth
        var out = [Float](repeating: 0, count: 3 * plane)
        let lineWidth = min(scaledWidth(of: box), inputWidth)
        let vertical = isVertical(box)
        // Source pixels per output pixel along the line and across it.
        let along = (vertical ? box.height : box.width) / Double(lineWidth)
        let across = (vertical ? box.width : box.height) / Double(outHeight)
        for row in 0..<outHeight {
            for column in 0..<lineWidth {
                let u = (Double(column) + 0.5) * along, v = (Double(row) + 0.5) * across
                // Rotated 90° anticlockwise: output columns run down the source, rows run right to left.
                let x = vertical ? box.maxX - v : box.x + u
                let y = vertical ? box.y + u : box.y + v
                let (r, g, b) = bilinear(rgb, width: width, height: height, x: x - 0.5, y: y - 0.5)
                let index = row * inputWidth + column
                out[index] = b / 127.5 - 1
                out[plane + index] = g / 127.5 - 1
                out[2 * plane + index] = r / 127.5 - 1
            }
        }
        return out
    }

    /// The RGB value at a pixel-centre coordinate, clamping at the edges (OpenCV's replicated border).
    static func bilinear(_ rgb: [UInt8], width: Int, height: Int, x: Double, y: Double) -> (Float, Float, Float) {
        let cx = min(max(x, 0), Double(width - 1)), cy = min(max(y, 0), Double(height - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let fx = Float(cx - Double(x0)), fy = Float(cy - Double(y0))
        func channel(_ c: Int) -> Float {
            let top = Float(rgb[(y0 * width + x0) * 3 + c]) * (1 - fx) + Float(rgb[(y0 * width + x1) * 3 + c]) * fx
            let bottom = Float(rgb[(y1 * width + x0) * 3 + c]) * (1 - fx) + Float(rgb[(y1 * width + x1) * 3 + c]) * fx
            return top * (1 - fy) + bottom * fy
        }
        return (channel(0), channel(1), channel(2))
    }

    /// Text and confidence per line from the model's `[N, T, classes]` probabilities: greedy CTC
    /// (repeats merged, blank index 0 dropped); confidence is the mean probability of the kept steps,
    /// 0 for an empty line. `labels[i]` is class `i`'s text.
    public static func decode(probabilities: [Float], shape: [Int], labels: [String]) throws(PlayheadError) -> [(text: String, confidence: Float)] {
        guard shape.count == 3, shape[2] == labels.count, probabilities.count == shape[0] * shape[1] * shape[2] else {
            throw PlayheadError(.modelInvalid, "recognition output shape \(shape) does not match [N, T, \(labels.count)] classes")
        }
        let (lines, steps, classes) = (shape[0], shape[1], shape[2])
        return (0..<lines).map { line in
            var text = "", kept: [Float] = [], previous = 0
            for step in 0..<steps {
                let base = (line * steps + step) * classes
                var best = 0, bestProbability = probabilities[base]
                for c in 1..<classes where probabilities[base + c] > bestProbability {
                    (best, bestProbability) = (c, probabilities[base + c])
                }
                if best != 0 && best != previous {
                    text += labels[best]
                    kept.append(bestProbability)
                }
                previous = best
            }
            return (text, kept.isEmpty ? 0 : kept.reduce(0, +) / Float(kept.count))
        }
    }
}
