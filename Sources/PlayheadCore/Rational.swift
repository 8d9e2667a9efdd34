/// An exact fraction `numerator / denominator`, always reduced with a positive denominator.
///
/// Frame rates and time bases are rationals in containers (30000/1001 for NTSC); keeping them exact
/// is what lets frame `k` land at exactly `k / fps` however long the video is.
public struct Rational: Sendable, Hashable, Codable, CustomStringConvertible {
    public let numerator: Int64
    public let denominator: Int64

    /// Creates a reduced fraction. A zero denominator is stored as 0/1 ("unknown"), never trapped on.
    public init(_ numerator: Int64, _ denominator: Int64) {
        guard denominator != 0 else {
            self.numerator = 0
            self.denominator = 1
            return
        }
        let sign: Int64 = denominator < 0 ? -1 : 1
        let divisor = Swift.max(Rational.gcd(abs(numerator), abs(denominator)), 1)
        self.numerator = sign * numerator / divisor
        self.denominator = sign * denominator / divisor
    }

    public var isZero: Bool { numerator == 0 }
    public var doubleValue: Double { Double(numerator) / Double(denominator) }
    public var inverted: Rational { Rational(denominator, numerator) }
    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}

extension Rational: Comparable {
    public static func < (lhs: Rational, rhs: Rational) -> Bool {
        lhs.numerator.multipliedFullWidth(by: rhs.denominator) < rhs.numerator.multipliedFullWidth(by: lhs.denominator)
    }
}

private func < (lhs: (high: Int64, low: UInt64), rhs: (high: Int64, low: UInt64)) -> Bool {
    lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
}
