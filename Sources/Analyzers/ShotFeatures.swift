import MediaIO

/// What the shot detector keeps of one frame: colour histograms, brightness and a 16x9 luma thumbnail.
///
/// About 250 floats a frame, so a window of them costs far less than the frames they came from.
struct ShotFeatures: Sendable {
    static let lumaBins = 32
    static let chromaBins = 16
    static let thumbnailWidth = 16
    static let thumbnailHeight = 9

    /// Luma, then U, then V histogram, each normalised to sum 1.
    var histogram: [Float]
    /// Mean and standard deviation of luma, 0–255.
    var meanLuma: Float
    var lumaDeviation: Float
    /// Block means of luma over a 16x9 grid: coarse enough that texture and small motion average out.
    var thumbnail: [Float]

    /// Features of an rgb24 frame; a frame without rgb24 pixels counts as black.
    init(frame: VideoFrame) {
        let histogramCount = Self.lumaBins + 2 * Self.chromaBins
        let cells = Self.thumbnailWidth * Self.thumbnailHeight
        guard let rgb = frame.pixels.rgb, frame.width > 0, frame.height > 0, rgb.count >= frame.width * frame.height * 3 else {
            histogram = [Float](repeating: 0, count: histogramCount)
            histogram[0] = 1
            histogram[Self.lumaBins + Self.chromaBins / 2] = 1
            histogram[Self.lumaBins + Self.chromaBins + Self.chromaBins / 2] = 1
            meanLuma = 0
            lumaDeviation = 0
            thumbnail = [Float](repeating: 0, count: cells)
            return
        }
        let width = frame.width, height = frame.height
        var counts = [Int32](repeating: 0, count: histogramCount)
        var blockSums = [Float](repeating: 0, count: cells)
        var blockCounts = [Int32](repeating: 0, count: cells)
        var sum: Float = 0, squares: Float = 0
        rgb.withUnsafeBufferPointer { pixels in
            counts.withUnsafeMutableBufferPointer { counts in
                blockSums.withUnsafeMutableBufferPointer { blockSums in
                    blockCounts.withUnsafeMutableBufferPointer { blockCounts in
                        for y in 0..<height {
                            let row = y * width * 3
                            let blockRow = (y * Self.thumbnailHeight / height) * Self.thumbnailWidth
                            for x in 0..<width {
                                let r = Float(pixels[row + 3 * x]), g = Float(pixels[row + 3 * x + 1]), b = Float(pixels[row + 3 * x + 2])
                                let luma = 0.299 * r + 0.587 * g + 0.114 * b
                                // BT.601 colour differences, scaled to fit 0–255 around 128.
                                let u = (b - luma) * 0.5 + 128, v = (r - luma) * 0.5 + 128
                                counts[min(Self.lumaBins - 1, Int(luma) * Self.lumaBins / 256)] += 1
                                counts[Self.lumaBins + min(Self.chromaBins - 1, max(0, Int(u) * Self.chromaBins / 256))] += 1
                                counts[Self.lumaBins + Self.chromaBins + min(Self.chromaBins - 1, max(0, Int(v) * Self.chromaBins / 256))] += 1
                                sum += luma
                                squares += luma * luma
                                let cell = blockRow + x * Self.thumbnailWidth / width
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
        lumaDeviation = max(0, squares / pixelCount - meanLuma * meanLuma).squareRoot()
        thumbnail = zip(blockSums, blockCounts).map { $1 > 0 ? $0 / Float($1) : 0 }
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
