import Foundation

/// The identity of a media file: the SHA-256 of its bytes, so the same file added twice is one media.
public struct MediaID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Lower-case hexadecimal SHA-256 of the file's contents.
    public let hex: String

    public init?(hex: String) {
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        self.hex = hex
    }

    /// Hashes the file at `path`, streaming it in 1 MiB blocks so memory stays flat for any size.
    public init(contentsOf path: String) throws(PlayheadError) {
        self.hex = try SHA256Digest.hexOfFile(at: path)
    }

    public var description: String { hex }

    public init(from decoder: Decoder) throws {
        let hex = try decoder.singleValueContainer().decode(String.self)
        guard let id = MediaID(hex: hex) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a SHA-256 hex digest: \(hex)"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// Streaming SHA-256 over files, shared by media identity and model-wheel verification.
public enum SHA256Digest {
    /// The lower-case hex SHA-256 of a file, read in blocks; honours task cancellation between blocks.
    public static func hexOfFile(at path: String) throws(PlayheadError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PlayheadError(.fileNotFound, "cannot open \(path) for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            if Task.isCancelled { throw PlayheadError(.cancelled, "hashing \(path) was cancelled") }
            let block: Data?
            do { block = try handle.read(upToCount: 1 << 20) } catch {
                throw PlayheadError(.ioError, "reading \(path) failed: \(error.localizedDescription)")
            }
            guard let block, !block.isEmpty else { break }
            block.withUnsafeBytes { hasher.update($0) }
        }
        return SHA256.hexString(hasher.finalize())
    }
}
