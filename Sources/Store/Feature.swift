/// A kind of annotation (`shots`, `faces`, …); the store refuses features it does not know.
///
/// A string rather than an enum so that input from a request or a file reaches the store and is refused
/// there with ``StoreError/Code/unknownFeature``, the same way on every backend.
public struct Feature: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let shots: Feature = "shots"
    public static let faces: Feature = "faces"
    public static let text: Feature = "text"
    public static let safety: Feature = "safety"
    public static let speech: Feature = "speech"

    /// The features the schema's `features` table is seeded with; adding one takes a migration as well.
    public static let known: [Feature] = [.shots, .faces, .text, .safety, .speech]

    public var description: String { rawValue }
}
