import MediaIO
import PlayheadCore

/// NudeNet 320n (a YOLOv8n detector): body-part and exposure classes for content-safety checks.
///
/// The model takes a letterboxed RGB image in 0…1, NCHW, 320 on its longer side, and returns `[1, 4 + 18, anchors]`:
/// per anchor a centre/size box in input pixels and one score per class.
public enum NudeNet {
    /// Class names in output order (from the nudenet 3.4 package).
    public static let labels = [
        "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED", "BELLY_COVERED",
        "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE", "BELLY_EXPOSED",
        "MALE_GENITALIA_EXPOSED", "ANUS_COVERED", "FEMALE_BREAST_COVERED", "BUTTOCKS_COVERED",
    ]

    /// Classes that make an image explicit (exposed genitalia, breasts, buttocks, anus).
    public static let explicitLabels: Set<String> = [
        "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "FEMALE_BREAST_EXPOSED", "BUTTOCKS_EXPOSED", "ANUS_EXPOSED",
    ]

    /// The model's name in the repository.
    public static let modelName = "nudenet-320n"
    public static let inputSize = 320

    /// The pixels a model compiled at `inputSize`x`inputSize` needs: the picture letterboxed into the square.
    public static var frameFormat: FrameFormat {
        FrameFormat(width: inputSize, height: inputSize, layout: .float32NCHW, resize: .letterbox(padding: 0), filter: .bilinear)
    }

    /// The pixels for a source of this size, given the model's input shape (NCHW, -1 for a free side).
    ///
    /// With free sides the frame keeps its aspect: the longer side `inputSize`, the shorter rounded up to
    /// a multiple of 32 (the network's stride) and only that remainder padded. The detector is fully
    /// convolutional, so a 16:9 frame runs at 320x192 instead of 320x320, the same picture for about 60 %
    /// of the work (Ultralytics' rectangular inference). Fixed sides get a letterbox into them.
    public static func frameFormat(sourceWidth: Int, sourceHeight: Int, inputShape: [Int]) -> FrameFormat {
        if inputShape.count == 4, inputShape[2] > 0, inputShape[3] > 0 {
            return FrameFormat(width: inputShape[3], height: inputShape[2], layout: .float32NCHW, resize: .letterbox(padding: 0), filter: .bilinear)
        }
        let long = max(1, sourceWidth, sourceHeight)
        func side(_ length: Int) -> Int {
            max(32, Int((Double(inputSize) * Double(max(1, length)) / Double(long) / 32).rounded(.up)) * 32)
        }
        return FrameFormat(width: side(sourceWidth), height: side(sourceHeight), layout: .float32NCHW, resize: .letterbox(padding: 0), filter: .bilinear)
    }

    public struct Detection: Sendable, Equatable, Codable {
        public var label: String
        public var score: Double
        /// Source pixels.
        public var box: BoundingBox

        public init(label: String, score: Double, box: BoundingBox) {
            self.label = label
            self.score = score
            self.box = box
        }
    }

    /// Detections above `minScore` after class-agnostic non-maximum suppression, in source pixels.
    /// `shape` is the output's shape; a shape that is not `[1, 4 + labels, anchors]` yields an error.
    public static func decode(output: [Float], shape: [Int], frame: VideoFrame, minScore: Float = 0.25, iouThreshold: Double = 0.45) throws(PlayheadError) -> [Detection] {
        guard shape.count == 3, shape[0] == 1, shape[1] == 4 + labels.count, output.count == shape[1] * shape[2] else {
            throw PlayheadError(.modelInvalid, "NudeNet output shape \(shape) is not [1, \(4 + labels.count), anchors]")
        }
        let anchors = shape[2]
        var candidates: [Detection] = []
        for anchor in 0..<anchors {
            var best = 0, bestScore: Float = 0
            for label in 0..<labels.count {
                let score = output[(4 + label) * anchors + anchor]
                if score > bestScore { (best, bestScore) = (label, score) }
            }
            guard bestScore >= minScore else { continue }
            let (cx, cy, w, h) = (Double(output[anchor]), Double(output[anchors + anchor]), Double(output[2 * anchors + anchor]), Double(output[3 * anchors + anchor]))
            let box = frame.mapping.toSource(BoundingBox(x: cx - w / 2, y: cy - h / 2, width: w, height: h))
                .clamped(width: Double(frame.sourceWidth), height: Double(frame.sourceHeight))
            candidates.append(Detection(label: labels[best], score: Double(bestScore), box: box))
        }
        candidates.sort { $0.score > $1.score }
        var kept: [Detection] = []
        for candidate in candidates where !kept.contains(where: { $0.box.iou(candidate.box) > iouThreshold }) {
            kept.append(candidate)
        }
        return kept
    }
}
