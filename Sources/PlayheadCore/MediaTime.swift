/// A presentation time as an exact rational number of seconds: `value / timescale`.
///
/// Never a `Double`: a Double accumulated frame by frame drifts, and two paths to the same frame
/// (decoding from the start, seeking) must agree on its time exactly.
public struct MediaTime: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The time in units of `1 / timescale` seconds.
    public let value: Int64
    /// Units per second (a container's time base inverted, e.g. 15360 or 30000).
    public let timescale: Int64

    public init(value: Int64, timescale: Int64) {
        precondition(timescale > 0, "MediaTime needs a positive timescale")
        self.value = value
        self.timescale = timescale
    }

    public static let zero = MediaTime(value: 0, timescale: 1)

    /// The time of frame `index` at a constant `frameRate` (frames per second), exactly.
    public init(frame index: Int64, frameRate: Rational) {
        // index / (num/den) = index * den / num seconds.
        self.init(value: index * frameRate.denominator, timescale: max(frameRate.numerator, 1))
    }

    /// Seconds as a Double, for display and for JSON; computations stay in rationals.
    public var seconds: Double { Double(value) / Double(timescale) }

    /// The time as a reduced fraction of seconds.
    public var rational: Rational { Rational(value, timescale) }

    /// The same time expressed in another timescale, rounded down (towards negative infinity).
    public func converted(to newTimescale: Int64) -> MediaTime {
        let (q, r) = (value * newTimescale).quotientAndRemainder(dividingBy: timescale)
        return MediaTime(value: r < 0 ? q - 1 : q, timescale: newTimescale)
    }

    /// The nearest time no later than `seconds` in the given timescale.
    public init(seconds: Double, timescale: Int64 = 1_000_000) {
        self.init(value: Int64((seconds * Double(timescale)).rounded(.down)), timescale: timescale)
    }

    public var description: String { "\(rational)s" }
}

extension MediaTime: Comparable {
    public static func == (lhs: MediaTime, rhs: MediaTime) -> Bool { lhs.rational == rhs.rational }
    public func hash(into hasher: inout Hasher) { hasher.combine(rational) }
    public static func < (lhs: MediaTime, rhs: MediaTime) -> Bool { lhs.rational < rhs.rational }
}

extension MediaTime {
    public static func + (lhs: MediaTime, rhs: MediaTime) -> MediaTime {
        let scale = lhs.timescale / Rational.gcd(lhs.timescale, rhs.timescale) * rhs.timescale
        return MediaTime(value: lhs.value * (scale / lhs.timescale) + rhs.value * (scale / rhs.timescale), timescale: scale)
    }

    public static func - (lhs: MediaTime, rhs: MediaTime) -> MediaTime {
        lhs + MediaTime(value: -rhs.value, timescale: rhs.timescale)
    }
}
