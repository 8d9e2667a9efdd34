import Foundation
import Hummingbird
import PlayheadCore

/// An uploaded media body streamed to a file as it arrives, hashed on the way (its `MediaID`), with a
/// size cap; the raw body or the first file of a `multipart/form-data` form (a browser's `<form>` or `FormData`).
struct MediaUpload {
    let directory: URL
    let maxBytes: Int

    /// The written file, its content hash and the name the client gave it (multipart only).
    struct Received {
        var file: URL
        var media: MediaID
        var bytes: Int
        var filename: String?
    }

    /// Streams `request`'s body to a new file in `directory`; the caller owns (moves or deletes) it.
    ///
    /// - Throws: `APIError` 413 past `maxBytes` (checked on `Content-Length` first), 400 for an empty body
    ///   or a form without a file; the partial file is deleted.
    func receive(_ request: Request) async throws -> Received {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes {
            throw Self.tooLarge(maxBytes)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(".upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: file.path, contents: nil), let handle = FileHandle(forWritingAtPath: file.path) else {
            throw APIError(.internalServerError, code: "io_error", message: "cannot create an upload file in \(directory.path)")
        }
        do {
            var sink = Sink(handle: handle, maxBytes: maxBytes)
            var filename: String?
            if let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data") {
                guard let boundary = Self.boundary(of: contentType) else {
                    throw APIError(.badRequest, code: "invalid_input", message: "multipart/form-data without a boundary parameter")
                }
                var scanner = MultipartFileScanner(boundary: boundary)
                for try await buffer in request.body {
                    try scanner.consume(Array(buffer.readableBytesView)) { try sink.write($0) }
                    if scanner.isDone { break }
                }
                guard scanner.isDone else {
                    throw APIError(.badRequest, code: "invalid_input",
                                   message: scanner.sawFile ? "the form's file part is not terminated; the upload was cut short" : "the form has no file part (an input of type file)")
                }
                filename = scanner.filename
            } else {
                for try await buffer in request.body { try sink.write(Array(buffer.readableBytesView)) }
            }
            try handle.close()
            guard sink.count > 0 else {
                throw APIError(.badRequest, code: "empty_file", message: "the upload is empty; send the media file as the body or as a form's file")
            }
            let hex = sink.digest().map { String(format: "%02x", $0) }.joined()
            return Received(file: file, media: MediaID(hex: hex)!, bytes: sink.count, filename: filename)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: file)
            throw error
        }
    }

    static func tooLarge(_ maxBytes: Int) -> APIError {
        APIError(.contentTooLarge, code: "payload_too_large", message: "the upload is larger than this server accepts (\(maxBytes) bytes; see --max-upload-mb)")
    }

    /// The `boundary` parameter of a multipart content type, unquoted.
    static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 70 ? nil : value
            }
        }
        return nil
    }

    /// Writes to the file, hashing and counting; refuses to pass the cap.
    private struct Sink {
        let handle: FileHandle
        let maxBytes: Int
        var count = 0
        var hasher = SHA256()

        mutating func write(_ bytes: [UInt8]) throws {
            guard !bytes.isEmpty else { return }
            count += bytes.count
            guard count <= maxBytes else { throw MediaUpload.tooLarge(maxBytes) }
            hasher.update(bytes)
            try handle.write(contentsOf: bytes)
        }

        consuming func digest() -> [UInt8] { hasher.finalize() }
    }
}

/// Finds the first part with a filename in a streamed `multipart/form-data` body and hands its bytes on
/// as they arrive, holding back only enough to recognise the closing delimiter across buffer borders.
struct MultipartFileScanner {
    private enum Phase { case headers, file, done }

    private let delimiter: [UInt8]
    private var pending: [UInt8] = []
    private var phase = Phase.headers
    private(set) var filename: String?
    private(set) var sawFile = false

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    var isDone: Bool { phase == .done }

    mutating func consume(_ bytes: [UInt8], file: ([UInt8]) throws -> Void) throws {
        pending += bytes
        while true {
            switch phase {
            case .done:
                return
            case .headers:
                // Each part starts after a delimiter line ("--boundary\r\n"; the body's first has no leading CRLF).
                let opening = Array(delimiter.dropFirst(2))
                guard let start = Self.find(opening, in: pending), let end = Self.find(Array("\r\n\r\n".utf8), in: pending, from: start) else {
                    guard pending.count < 64 * 1024 else {
                        throw APIError(.badRequest, code: "invalid_input", message: "the multipart part headers are malformed or longer than 64 KiB")
                    }
                    return
                }
                let headers = String(decoding: pending[(start + opening.count)..<end], as: UTF8.self)
                pending.removeSubrange(0..<(end + 4))
                if let name = Self.filename(in: headers) {
                    filename = name
                    sawFile = true
                    phase = .file
                } else if let next = Self.find(delimiter, in: pending) {
                    // A plain form field: skip its value up to the next delimiter, keeping the CRLF-less opening.
                    pending.removeSubrange(0..<(next + 2))
                } else {
                    return
                }
            case .file:
                if let end = Self.find(delimiter, in: pending) {
                    try file(Array(pending[..<end]))
                    pending = []
                    phase = .done
                } else {
                    let keep = delimiter.count - 1
                    if pending.count > keep {
                        try file(Array(pending[..<(pending.count - keep)]))
                        pending.removeSubrange(0..<(pending.count - keep))
                    }
                    return
                }
            }
        }
    }

    /// `filename="…"` of a part's Content-Disposition header, or nil for a field that is not a file.
    static func filename(in headers: String) -> String? {
        for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            guard let range = line.range(of: "filename=\"") else { return nil }
            let rest = line[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        return nil
    }

    /// The first index of `needle` in `haystack` at or after `from` (memchr then memcmp: uploads are hundreds of megabytes).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty, haystack.count - from >= needle.count else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pattern in
                let base = hay.baseAddress!
                let last = hay.count - pattern.count
                var position = from
                while position <= last {
                    guard let hit = memchr(base + position, Int32(pattern[0]), last - position + 1) else { return nil }
                    let index = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + index, pattern.baseAddress!, pattern.count) == 0 { return index }
                    position = index + 1
                }
                return nil
            }
        }
    }
}
