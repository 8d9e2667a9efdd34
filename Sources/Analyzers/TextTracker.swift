import PlayheadCore

/// A piece of on-screen text over a span of time. Encodes as
/// `{text, start, end, box: {x, y, w, h}, score}` (seconds, source pixels).
public struct TextItem: Sendable, Equatable, Codable {
    public var text: String
    /// Time of the first and last sample the text was read in; it may be on screen up to one sample
    /// interval longer on either side.
    public var start: Double
    public var end: Double
    /// The box of the most confident read.
    public var box: BoundingBox
    /// Mean recognition confidence over the reads.
    public var score: Double

    public init(text: String, start: Double, end: Double, box: BoundingBox, score: Double) {
        self.text = text
        self.start = start
        self.end = end
        self.box = box
        self.score = score
    }

    private struct Box: Codable {
        var x, y, w, h: Double
    }

    enum CodingKeys: String, CodingKey { case text, start, end, box, score }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let box = try container.decode(Box.self, forKey: .box)
        self.init(text: try container.decode(String.self, forKey: .text), start: try container.decode(Double.self, forKey: .start),
                  end: try container.decode(Double.self, forKey: .end), box: BoundingBox(x: box.x, y: box.y, width: box.w, height: box.h),
                  score: try container.decode(Double.self, forKey: .score))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(Box(x: box.x, y: box.y, w: box.width, h: box.height), forKey: .box)
        try container.encode(score, forKey: .score)
    }
}

/// Joins the lines read in consecutive samples into time-ranged `TextItem`s.
///
/// A line continues an item when its text is the same up to case and spaces (the recogniser does not
/// always see the space between two Latin words) and its box overlaps the
/// item's last box by at least half of the smaller box, and the item was seen at most `maxGap` seconds
/// earlier (so one missed sample does not split it). Samples must arrive in time order.
public struct TextTracker: Sendable {
    /// Longest time, in seconds, an item may go unseen and still continue.
    public let maxGap: Double

    private struct Track {
        var key: String
        var item: TextItem
        var lastBox: BoundingBox
        var bestScore: Double
        var scoreSum: Double
        var reads: Int
    }

    private var open: [Track] = []
    private var closed: [TextItem] = []

    public init(maxGap: Double) {
        self.maxGap = maxGap
    }

    /// The gap that tolerates one missed sample at `samplesPerSecond`.
    public init(samplesPerSecond: Double) {
        self.init(maxGap: 2.25 / samplesPerSecond)
    }

    public mutating func update(time: Double, lines: [TextLine]) {
        closed += open.filter { time - $0.item.end > maxGap }.map(\.item)
        open.removeAll { time - $0.item.end > maxGap }
        var continued = Set<Int>()
        for line in lines {
            let key = Self.normalized(line.text)
            let match = open.indices.first { index in
                !continued.contains(index) && open[index].key == key && Self.overlap(open[index].lastBox, line.box) >= 0.5
            }
            guard let index = match else {
                open.append(Track(key: key, item: TextItem(text: line.text, start: time, end: time, box: line.box, score: line.score),
                                  lastBox: line.box, bestScore: line.score, scoreSum: line.score, reads: 1))
                continued.insert(open.count - 1)
                continue
            }
            continued.insert(index)
            open[index].item.end = time
            open[index].lastBox = line.box
            open[index].scoreSum += line.score
            open[index].reads += 1
            open[index].item.score = open[index].scoreSum / Double(open[index].reads)
            if line.score > open[index].bestScore {
                open[index].bestScore = line.score
                open[index].item.box = line.box
            }
        }
    }

    /// All items so far, by start time then position.
    public func items() -> [TextItem] {
        (closed + open.map(\.item)).sorted { ($0.start, $0.box.y, $0.box.x) < ($1.start, $1.box.y, $1.box.x) }
    }

    /// The items of per-frame lines in time order, sampled `samplesPerSecond`: what a whole-file run and
    /// the stitching of a file's chunks both compute.
    public static func items(of samples: [(time: MediaTime, lines: [TextLine])], samplesPerSecond: Double) -> [TextItem] {
        var tracker = TextTracker(samplesPerSecond: samplesPerSecond)
        for (time, lines) in samples { tracker.update(time: time.seconds, lines: lines) }
        return tracker.items()
    }

    /// Case-folded, without spaces: "Hello World" and "HELLOWORLD" are the same text.
    static func normalized(_ text: String) -> String {
        String(text.lowercased().filter { !$0.isWhitespace })
    }

    /// Intersection over the smaller box's area; 0 when either is empty.
    static func overlap(_ a: BoundingBox, _ b: BoundingBox) -> Double {
        let w = min(a.maxX, b.maxX) - max(a.x, b.x), h = min(a.maxY, b.maxY) - max(a.y, b.y)
        let smaller = min(a.area, b.area)
        guard w > 0, h > 0, smaller > 0 else { return 0 }
        return w * h / smaller
    }
}
