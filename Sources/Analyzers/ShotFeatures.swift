import MediaIO

/// What the shot detector keeps of one frame: colour histograms, brightness, darkness and coarse luma grids.
///
/// About 800 floats a frame, so a window of them costs far less than the frames they came from.
struct ShotFeatures: Sendable {
    static let lumaBins = 32
    static let chromaBins = 16
    static let thumbnailWidth = 16
    static let thumbnailHeight = 9
    static let gridWidth = 32
    static let gridHeight = 18
    /// Luma (0–255) below which a pixel counts as black.
    static let blackLuma: Float = 16

    /// Luma, then U, then V histogram, each normalised to sum 1.
    var histogram: [Float]
    /// Mean luma, 0–255.
    var meanLuma: Float
    /// Share of pixels darker than `blackLuma`: a black frame stays black under a caption or a logo.
    var blackShare: Float
    /// Block means of luma over a 16x9 grid: coarse enough that texture and small motion average out.
    var thumbnail: [Float]
    /// Block means of luma over a 32x18 grid, fine enough to follow camera motion from frame to frame.
    var grid: [Float]

    /// Features of an rgb24 frame; a frame without rgb24 pixels counts as black.
    init(frame: VideoFrame) {
        let histogramCount = Self.lumaBins + 2 * Self.chromaBins
        let cells = Self.gridWidth * Self.gridHeight
        guard let rgb = frame.pixels.rgb, frame.width > 0, frame.height > 0, rgb.count >= frame.width * frame.height * 3 else {
            histogram = [Float](repeating: 0, count: histogramCount)
            histogram[0] = 1
            histogram[Self.lumaBins + Self.chromaBins / 2] = 1
            histogram[Self.lumaBins + Self.chromaBins + Self.chromaBins / 2] = 1
            meanLuma = 0
            blackShare = 1
            grid = [Float](repeating: 0, count: cells)
            thumbnail = [Float](repeating: 0, count: Self.thumbnailWidth * Self.thumbnailHeight)
            return
        }
        let width = frame.width, height = frame.height
        var counts = [Int32](repeating: 0, count: histogramCount)
        var blockSums = [Float](repeating: 0, count: cells)
        var blockCounts = [Int32](repeating: 0, count: cells)
        var sum: Float = 0
        var blackPixels = 0
        rgb.withUnsafeBufferPointer { pixels in
            counts.withUnsafeMutableBufferPointer { counts in
                blockSums.withUnsafeMutableBufferPointer { blockSums in
                    blockCounts.withUnsafeMutableBufferPointer { blockCounts in
                        for y in 0..<height {
                            let row = y * width * 3
                            let blockRow = (y * Self.gridHeight / height) * Self.gridWidth
                            for x in 0..<width {
                                let r = Float(pixels[row + 3 * x]), g = Float(pixels[row + 3 * x + 1]), b = Float(pixels[row + 3 * x + 2])
                                let luma = 0.299 * r + 0.587 * g + 0.114 * b
                                // BT.601 colour differences, scaled to fit 0–255 around 128.
                                let u = (b - luma) * 0.5 + 128, v = (r - luma) * 0.5 + 128
                                counts[min(Self.lumaBins - 1, Int(luma) * Self.lumaBins / 256)] += 1
                                counts[Self.lumaBins + min(Self.chromaBins - 1, max(0, Int(u) * Self.chromaBins / 256))] += 1
                                counts[Self.lumaBins + Self.chromaBins + min(Self.chromaBins - 1, max(0, Int(v) * Self.chromaBins / 256))] += 1
                                sum += luma
                                if luma < Self.blackLuma { blackPixels += 1 }
                                let cell = blockRow + x * Self.gridWidth / width
                                blockSums[cell] += luma
                                blockCounts[cell] += 1
                            }
                        }
                    }
                }
            }
        }
        let pixelCount = Float(width * height)
        histogram = counts.map { Float($0) / pixelCount }
        meanLuma = sum / pixelCount
        blackShare = Float(blackPixels) / pixelCount
        grid = zip(blockSums, blockCounts).map { $1 > 0 ? $0 / Float($1) : 0 }
        var thumbnail = [Float](repeating: 0, count: Self.thumbnailWidth * Self.thumbnailHeight)
        for y in 0..<Self.gridHeight {
            for x in 0..<Self.gridWidth {
                thumbnail[(y / 2) * Self.thumbnailWidth + x / 2] += grid[y * Self.gridWidth + x] / 4
            }
        }
        self.thumbnail = thumbnail
    }

    /// How much of the change from `previous` a global shift of up to `maxShift` grid cells explains:
    /// the mean absolute difference at the best shift over that at no shift (1: no motion explains it).
    func unexplainedByMotion(from previous: ShotFeatures, maxShift: Int) -> Float {
        let still = gridDifference(previous, dx: 0, dy: 0)
        guard still > 0 else { return 1 }
        var best = still
        for dy in -maxShift...maxShift {
            for dx in -maxShift...maxShift where dx != 0 || dy != 0 {
                best = min(best, gridDifference(previous, dx: dx, dy: dy))
            }
        }
        return best / still
    }

    /// Mean absolute difference between this grid and `previous` moved by (dx, dy), over their overlap.
    private func gridDifference(_ previous: ShotFeatures, dx: Int, dy: Int) -> Float {
        let w = Self.gridWidth, h = Self.gridHeight
        var sum: Float = 0
        grid.withUnsafeBufferPointer { current in
            previous.grid.withUnsafeBufferPointer { previous in
                for y in max(0, dy)..<(h + min(0, dy)) {
                    for x in max(0, dx)..<(w + min(0, dx)) {
                        sum += abs(current[y * w + x] - previous[(y - dy) * w + x - dx])
                    }
                }
            }
        }
        return sum / Float((w - abs(dx)) * (h - abs(dy)))
    }

    /// Histogram change in [0, 1]: half the L1 distance per channel, luma weighted as much as both chroma channels.
    func distance(to other: ShotFeatures) -> Float {
        var luma: Float = 0, chroma: Float = 0
        histogram.withUnsafeBufferPointer { a in
            other.histogram.withUnsafeBufferPointer { b in
                for i in 0..<Self.lumaBins { luma += abs(a[i] - b[i]) }
                for i in Self.lumaBins..<a.count { chroma += abs(a[i] - b[i]) }
            }
        }
        return 0.25 * luma + 0.125 * chroma
    }
}
