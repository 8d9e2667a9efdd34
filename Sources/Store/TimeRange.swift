/// A span of media time in seconds: `[start, end)`, or the instant `start` when `end == start`.
public struct TimeRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public let start: Double
    public let end: Double

    /// Refuses non-finite bounds, negative times and `end < start` with ``StoreError/Code/invalidRange``.
    public init(start: Double, end: Double) throws(StoreError) {
        guard start.isFinite, end.isFinite else {
            throw StoreError(.invalidRange, "time range [\(start), \(end)) has a bound that is not a finite number")
        }
        guard start >= 0 else { throw StoreError(.invalidRange, "time range [\(start), \(end)) starts before 0 s") }
        guard end >= start else {
            throw StoreError(.invalidRange, "time range [\(start), \(end)) ends before it starts; swap the bounds")
        }
        self.start = start
        self.end = end
    }

    public var duration: Double { end - start }
    public var description: String { "[\(start), \(end))" }

    private enum CodingKeys: String, CodingKey { case start, end }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let start = try container.decode(Double.self, forKey: .start)
        let end = try container.decode(Double.self, forKey: .end)
        do { try self.init(start: start, end: end) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }
}
