import Foundation
import HTTPTypes
import Hummingbird
import PlayheadCore
import Store

/// `GET /v1/media/{id}/file`: the bytes of a catalogued media file, with `Range` support so a browser's
/// `<video>` can seek in it.
struct MediaFileRoute {
    let store: any Store
    let fileIO = FileIO()

    func register(on router: Hummingbird.Router<PlayheadRequestContext>) {
        router.get("/v1/media/{id}/file") { request, context in try await file(request, context) }
    }

    private func file(_ request: Request, _ context: PlayheadRequestContext) async throws -> Response {
        let hex = context.parameters.get("id") ?? ""
        guard let id = MediaID(hex: hex.lowercased()) else {
            throw APIError(.badRequest, code: "invalid_input", message: "'\(hex)' is not a media id (64 hex digits)")
        }
        let record: MediaRecord?
        do {
            record = try await store.media(id)
        } catch {
            throw APIError(.internalServerError, code: error.code.rawValue, message: error.message)
        }
        guard let record else { throw APIError(.notFound, code: "unknown_media", message: "no media with id \(id) in the catalog") }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: record.location),
              let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw APIError(.notFound, code: "media_unavailable", message: "the file of media \(id) is gone")
        }
        var headers: HTTPFields = [.contentType: Self.contentType(of: record.location), .acceptRanges: "bytes"]
        guard let rangeHeader = request.headers[.range] else {
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers, body: try await fileIO.loadFile(path: record.location, context: context))
        }
        guard let range = Self.byteRange(rangeHeader, size: size) else {
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
        headers[.contentLength] = String(range.count)
        return Response(status: .partialContent, headers: headers,
                        body: try await fileIO.loadFile(path: record.location, range: range, context: context))
    }

    /// The one range of `bytes=a-b`, `bytes=a-` or `bytes=-n`, clamped to the file; nil when unsatisfiable
    /// (several ranges are not supported and also answer nil).
    static func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst("bytes=".count)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces), last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        switch (Int(first), Int(last)) {
        case let (start?, end?) where start <= end && start < size: return start...min(end, size - 1)
        case let (start?, nil) where last.isEmpty && start < size: return start...(size - 1)
        case let (nil, suffix?) where first.isEmpty && suffix > 0: return max(0, size - suffix)...(size - 1)
        default: return nil
        }
    }

    static func contentType(of path: String) -> String {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "mp4", "m4v": "video/mp4"
        case "webm": "video/webm"
        case "mov": "video/quicktime"
        case "mkv": "video/x-matroska"
        case "ogv": "video/ogg"
        default: "application/octet-stream"
        }
    }
}
