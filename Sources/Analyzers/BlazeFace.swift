import PlayheadCore

/// BlazeFace post-processing, free of I/O: SSD anchors, box/keypoint decoding and weighted NMS.
///
/// Follows MediaPipe's face detection graphs (`SsdAnchorsCalculator`, `TensorsToDetectionsCalculator`,
/// `NonMaxSuppressionCalculator` in weighted mode) for the two published models.
public enum BlazeFace {
    /// The two published BlazeFace variants.
    public enum Variant: String, Sendable, Codable, CaseIterable {
        /// Faces within ~2 m (selfie distance): 128×128 input, 896 anchors.
        case shortRange = "blazeface-short"
        /// Faces up to ~5 m, smaller in the frame: 192×192 input, 2304 anchors.
        case fullRange = "blazeface-full"

        /// Square input side in pixels.
        public var inputSize: Int { self == .shortRange ? 128 : 192 }

        /// Anchor layout: strides of the SSD layers and anchors per cell for each.
        var strides: [Int] { self == .shortRange ? [8, 16, 16, 16] : [4] }
        /// MediaPipe adds an interpolated-scale anchor per layer for the short-range model only.
        var anchorsPerLayer: Int { self == .shortRange ? 2 : 1 }

        public var modelName: String { rawValue }
    }

    /// An anchor centre in normalised [0, 1] coordinates (BlazeFace uses fixed unit-size anchors).
    public struct Anchor: Sendable, Hashable {
        public var x: Float
        public var y: Float
        public init(x: Float, y: Float) {
            self.x = x
            self.y = y
        }
    }

    /// One face before tracking, in the model's normalised input coordinates.
    public struct Detection: Sendable, Equatable {
        /// Normalised box (0…1 of the model input).
        public var box: BoundingBox
        public var score: Float
        /// Six keypoints: right eye, left eye, nose tip, mouth, right ear tragion, left ear tragion.
        public var keypoints: [Point]

        public init(box: BoundingBox, score: Float, keypoints: [Point]) {
            self.box = box
            self.score = score
            self.keypoints = keypoints
        }
    }

    /// The anchors of a variant, in the order the model's outputs use.
    public static func anchors(for variant: Variant) -> [Anchor] {
        var anchors: [Anchor] = []
        let strides = variant.strides
        var layer = 0
        while layer < strides.count {
            // Consecutive layers with the same stride share one feature map.
            var sameStride = 0
            while layer + sameStride < strides.count, strides[layer + sameStride] == strides[layer] { sameStride += 1 }
            let side = Int((Double(variant.inputSize) / Double(strides[layer])).rounded(.up))
            let perCell = sameStride * variant.anchorsPerLayer
            for y in 0..<side {
                for x in 0..<side {
                    let anchor = Anchor(x: (Float(x) + 0.5) / Float(side), y: (Float(y) + 0.5) / Float(side))
                    anchors.append(contentsOf: repeatElement(anchor, count: perCell))
                }
            }
            layer += sameStride
        }
        return anchors
    }

    /// Decodes raw outputs (`regressors` [anchors × 16], `scores` [anchors] logits) into detections above `minScore`.
    public static func decode(regressors: [Float], scores: [Float], anchors: [Anchor], inputSize: Int, minScore: Float) -> [Detection] {
        precondition(regressors.count == anchors.count * 16 && scores.count == anchors.count, "BlazeFace outputs do not match the anchors")
        let scale = Float(inputSize)
        var detections: [Detection] = []
        for (i, anchor) in anchors.enumerated() {
            let score = sigmoid(min(max(scores[i], -100), 100))
            guard score >= minScore else { continue }
            let r = regressors[(i * 16)..<(i * 16 + 16)]
            let base = r.startIndex
            let cx = r[base] / scale + anchor.x
            let cy = r[base + 1] / scale + anchor.y
            let w = r[base + 2] / scale
            let h = r[base + 3] / scale
            guard w > 0, h > 0 else { continue }
            let keypoints = (0..<6).map { k in
                Point(x: Double(r[base + 4 + 2 * k] / scale + anchor.x), y: Double(r[base + 5 + 2 * k] / scale + anchor.y))
            }
            detections.append(Detection(box: BoundingBox(x: Double(cx - w / 2), y: Double(cy - h / 2), width: Double(w), height: Double(h)),
                                        score: score, keypoints: keypoints))
        }
        return detections
    }

    /// MediaPipe's weighted non-maximum suppression: overlapping detections are merged into a
    /// score-weighted average instead of dropped, which steadies boxes from frame to frame.
    public static func weightedNonMaxSuppression(_ detections: [Detection], iouThreshold: Double = 0.3) -> [Detection] {
        var remaining = detections.sorted { $0.score > $1.score }
        var result: [Detection] = []
        while let best = remaining.first {
            var cluster: [Detection] = []
            var rest: [Detection] = []
            for candidate in remaining {
                if best.box.iou(candidate.box) > iouThreshold { cluster.append(candidate) } else { rest.append(candidate) }
            }
            remaining = rest
            let total = cluster.reduce(0) { $0 + Double($1.score) }
            func average(_ value: (Detection) -> Double) -> Double { cluster.reduce(0) { $0 + value($1) * Double($1.score) } / total }
            var merged = best
            merged.box = BoundingBox(x: average(\.box.x), y: average(\.box.y), width: average(\.box.width), height: average(\.box.height))
            merged.keypoints = best.keypoints.indices.map { k in
                Point(x: average { $0.keypoints[k].x }, y: average { $0.keypoints[k].y })
            }
            result.append(merged)
        }
        return result
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + (-x).exp) }
}

private extension Float {
    var exp: Float { Float(Foundation.exp(Double(self))) }
}

import Foundation
