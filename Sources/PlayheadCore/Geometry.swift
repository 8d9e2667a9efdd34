/// An axis-aligned box in pixels of some image: top-left corner and size.
public struct BoundingBox: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var area: Double { max(width, 0) * max(height, 0) }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }

    /// Intersection over union, 0 when either box is empty.
    public func iou(_ other: BoundingBox) -> Double {
        let w = min(maxX, other.maxX) - max(x, other.x)
        let h = min(maxY, other.maxY) - max(y, other.y)
        guard w > 0, h > 0 else { return 0 }
        let inter = w * h
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The box clipped to `[0, width) × [0, height)`.
    public func clamped(width imageWidth: Double, height imageHeight: Double) -> BoundingBox {
        let x0 = min(max(x, 0), imageWidth), y0 = min(max(y, 0), imageHeight)
        let x1 = min(max(maxX, 0), imageWidth), y1 = min(max(maxY, 0), imageHeight)
        return BoundingBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}

/// A point in pixels.
public struct Point: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}
