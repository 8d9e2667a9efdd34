import PlayheadCore

/// DBNet post-processing for PP-OCR text detection: the model's per-pixel text probability map
/// becomes scored text boxes.
///
/// Follows RapidOCR 1.4.4's `DBPostProcess` (threshold, 2x2 dilation, one candidate per connected
/// region, "fast" box score, unclip by `area * ratio / perimeter`) with one simplification: boxes are
/// axis-aligned rather than minimum-area rotated rectangles. Video overlays, captions and lower thirds
/// are horizontal, and an axis-aligned box is what the report carries anyway; strongly rotated text
/// gets a looser box and a crop the recogniser may misread.
public enum TextDetection {
    /// Thresholds and sizes, defaulting to RapidOCR's `config.yaml`.
    public struct Options: Sendable, Hashable {
        /// A pixel is text when its probability exceeds this.
        public var threshold: Float
        /// A region is kept when the mean probability inside its box reaches this.
        public var boxThreshold: Float
        /// How far the shrunk text kernel DBNet predicts is grown back, relative to `area / perimeter`.
        public var unclipRatio: Double
        /// Regions whose shorter side (map pixels) is below this are noise.
        public var minSide: Double
        /// Regions considered at most, largest first; bounds the work on a pathological map.
        public var maxCandidates: Int

        public init(threshold: Float = 0.3, boxThreshold: Float = 0.5, unclipRatio: Double = 1.6, minSide: Double = 3,
                    maxCandidates: Int = 1000) {
            self.threshold = threshold
            self.boxThreshold = boxThreshold
            self.unclipRatio = unclipRatio
            self.minSide = minSide
            self.maxCandidates = maxCandidates
        }
    }

    /// A detected text region in probability-map pixels (pixel `i` covers `[i, i + 1)`).
    public struct Region: Sendable, Equatable {
        public var box: BoundingBox
        /// Mean text probability inside the region's box before unclipping.
        public var score: Float

        public init(box: BoundingBox, score: Float) {
            self.box = box
            self.score = score
        }
    }

    /// Text regions in a `width` x `height` probability map (row-major), in reading order (top to
    /// bottom, then left to right), clipped to the map.
    public static func regions(probabilities: [Float], width: Int, height: Int, options: Options = Options()) throws(PlayheadError) -> [Region] {
        guard width > 0, height > 0, probabilities.count == width * height else {
            throw PlayheadError(.invalidArgument, "probability map has \(probabilities.count) values, not \(width)x\(height)")
        }
        let mask = dilated(probabilities.map { $0 > options.threshold }, width: width, height: height)
        var components = boundingBoxesOfComponents(mask, width: width, height: height)
        if components.count > options.maxCandidates {
            components = Array(components.sorted { $0.pixels > $1.pixels }.prefix(options.maxCandidates))
        }
        var regions: [Region] = []
        for component in components {
            // Extents in pixel-centre coordinates, as OpenCV's contours measure them.
            let boxWidth = Double(component.maxX - component.minX), boxHeight = Double(component.maxY - component.minY)
            guard min(boxWidth, boxHeight) >= options.minSide else { continue }
            let score = meanProbability(probabilities, width: width, component: component)
            guard score >= options.boxThreshold else { continue }
            // Offsetting a rectangle outward by d with round joins has a w+2d by h+2d bounding rectangle.
            let distance = boxWidth * boxHeight * options.unclipRatio / (2 * (boxWidth + boxHeight))
            guard min(boxWidth, boxHeight) + 2 * distance >= options.minSide + 2 else { continue }
            let box = BoundingBox(x: Double(component.minX) + 0.5 - distance, y: Double(component.minY) + 0.5 - distance,
                                  width: boxWidth + 2 * distance, height: boxHeight + 2 * distance)
            regions.append(Region(box: box.clamped(width: Double(width), height: Double(height)), score: score))
        }
        return inReadingOrder(regions)
    }

    /// Sorts top to bottom, and left to right within a line (boxes whose tops are within half the
    /// shorter box's height of each other).
    static func inReadingOrder(_ regions: [Region]) -> [Region] {
        regions.sorted { a, b in
            if abs(a.box.y - b.box.y) < min(a.box.height, b.box.height) / 2 { return a.box.x < b.box.x }
            return a.box.y < b.box.y
        }
    }

    /// OpenCV's `dilate` with a 2x2 kernel of ones: a pixel is set when it or its left, upper or
    /// upper-left neighbour is; bridges one-pixel gaps between the strokes of a word.
    static func dilated(_ mask: [Bool], width: Int, height: Int) -> [Bool] {
        var out = mask
        for y in 0..<height {
            for x in 0..<width where !mask[y * width + x] {
                out[y * width + x] = (x > 0 && mask[y * width + x - 1]) || (y > 0 && mask[(y - 1) * width + x])
                    || (x > 0 && y > 0 && mask[(y - 1) * width + x - 1])
            }
        }
        return out
    }

    struct Component: Equatable {
        var minX, minY, maxX, maxY: Int
        var pixels: Int
    }

    /// Bounding boxes of the 8-connected regions of set pixels, in order of their first pixel in raster order.
    static func boundingBoxesOfComponents(_ mask: [Bool], width: Int, height: Int) -> [Component] {
        var visited = [Bool](repeating: false, count: mask.count)
        var components: [Component] = []
        var stack: [Int] = []
        for start in mask.indices where mask[start] && !visited[start] {
            visited[start] = true
            stack.append(start)
            var component = Component(minX: start % width, minY: start / width, maxX: start % width, maxY: start / width, pixels: 0)
            while let index = stack.popLast() {
                let x = index % width, y = index / width
                component.minX = min(component.minX, x)
                component.maxX = max(component.maxX, x)
                component.minY = min(component.minY, y)
                component.maxY = max(component.maxY, y)
                component.pixels += 1
                for ny in max(0, y - 1)...min(height - 1, y + 1) {
                    for nx in max(0, x - 1)...min(width - 1, x + 1) {
                        let neighbour = ny * width + nx
                        if mask[neighbour] && !visited[neighbour] {
                            visited[neighbour] = true
                            stack.append(neighbour)
                        }
                    }
                }
            }
            components.append(component)
        }
        return components
    }

    /// Mean probability over the component's bounding box (RapidOCR's "fast" score on an upright box).
    static func meanProbability(_ probabilities: [Float], width: Int, component: Component) -> Float {
        var sum: Float = 0
        for y in component.minY...component.maxY {
            for x in component.minX...component.maxX { sum += probabilities[y * width + x] }
        }
        return sum / Float((component.maxX - component.minX + 1) * (component.maxY - component.minY + 1))
    }
}
