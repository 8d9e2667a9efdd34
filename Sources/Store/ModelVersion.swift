/// The model (or algorithm) that computed a result, written `name@version`: part of every memoization key.
public struct ModelVersion: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let version: String

    /// Both parts must be non-empty and free of `@` and whitespace, so `name@version` parses back unambiguously.
    public init(name: String, version: String) throws(StoreError) {
        for (part, value) in [("name", name), ("version", version)] {
            guard !value.isEmpty, !value.contains("@"), !value.contains(where: \.isWhitespace) else {
                throw StoreError(.invalidInput, "model \(part) '\(value)' must be non-empty, without '@' or spaces")
            }
        }
        self.name = name
        self.version = version
    }

    /// Parses `name@version`, e.g. `blazeface-full@1.0`.
    public init(_ text: String) throws(StoreError) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw StoreError(.invalidInput, "model '\(text)' is not of the form name@version (e.g. blazeface-full@1.0)")
        }
        try self.init(name: String(parts[0]), version: String(parts[1]))
    }

    public var description: String { "\(name)@\(version)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
