import Foundation
import Hummingbird
import Jobs
import PlayheadCore
import Store

/// The media catalog over HTTP: uploads (`POST /v1/media`), listing, one media's facts, and its
/// annotations in a time window. A new upload starts the registered pipelines' jobs.
struct MediaRoutes {
    let analysis: MediaAnalysis
    /// Where uploads are kept, one file per content hash.
    let directory: URL
    let maxUploadBytes: Int

    func register(on router: Hummingbird.Router<PlayheadRequestContext>) {
        router.post("/v1/media") { request, context in try await upload(request, context) }
        router.get("/v1/media") { request, _ in try await list(request) }
        router.get("/v1/media/{id}") { _, context in try await describe(try await record(context)) }
        router.get("/v1/media/{id}/annotations") { request, context in try await annotations(request, context) }
    }

    private func upload(_ request: Request, _ context: PlayheadRequestContext) async throws -> Response {
        let received = try await MediaUpload(directory: directory, maxBytes: maxUploadBytes).receive(request)
        // Named by content: the same bytes uploaded twice (under any name) are one file.
        let final = directory.appendingPathComponent(received.media.hex)
        let existed = FileManager.default.fileExists(atPath: final.path)
        if existed {
            try? FileManager.default.removeItem(at: received.file)
        } else {
            try FileManager.default.moveItem(at: received.file, to: final)
        }
        let cataloged: MediaAnalysis.Cataloged
        do {
            cataloged = try await analysis.catalog(path: final.path, media: received.media)
        } catch {
            // Not media (or unreadable): nothing of it stays on disk.
            if !existed { try? FileManager.default.removeItem(at: final) }
            throw error
        }
        var body = try await describe(media: cataloged.media)
        body["bytes"] = received.bytes
        body["new"] = cataloged.isNew
        if cataloged.isNew {
            let (submitted, skipped) = try await analysis.runPipelines(for: cataloged.media)
            body["jobs"] = submitted.compactMap { pipeline, submission in
                submission.job.map { ["pipeline": pipeline, "id": $0.id.uuidString.lowercased(), "computing": submission.computing] as [String: Any] }
            }
            if !skipped.isEmpty { body["skipped_pipelines"] = skipped }
        }
        context.logger.info("media uploaded", metadata: ["media": "\(cataloged.media)", "bytes": "\(received.bytes)", "new": "\(cataloged.isNew)"])
        return KServeJSON.response(body, status: cataloged.isNew ? .created : .ok)
    }

    private func list(_ request: Request) async throws -> Response {
        let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 100
        guard (1...1000).contains(limit) else { throw APIError(.badRequest, code: "invalid_input", message: "limit must be 1 to 1000") }
        let records = try await analysis.store.listMedia(limit: limit)
        return KServeJSON.response(["media": records.map(Self.json)])
    }

    private func annotations(_ request: Request, _ context: PlayheadRequestContext) async throws -> Response {
        let record = try await record(context)
        let query = request.uri.queryParameters
        let features = query.get("feature").map { [Feature($0)] } ?? Feature.known
        func seconds(_ name: String, _ fallback: Double) throws -> Double {
            guard let text = query.get(name) else { return fallback }
            guard let value = Double(text) else { throw APIError(.badRequest, code: "invalid_range", message: "\(name)=\(text) is not a number of seconds") }
            return value
        }
        let window = try TimeRange(start: try seconds("from", 0), end: try seconds("to", (record.probe.durationSeconds ?? 0) + 1))
        let model = try query.get("model").map { text throws(StoreError) in try ModelVersion(text) }
        var found: [Annotation] = []
        for feature in features {
            found += try await analysis.store.annotations(media: record.id, feature: feature, window: window, model: model)
        }
        return KServeJSON.response(["media": record.id.hex, "annotations": found.map(Self.json)])
    }

    private func record(_ context: PlayheadRequestContext) async throws -> MediaRecord {
        let text = context.parameters.get("id") ?? ""
        guard let id = MediaID(hex: text.lowercased()) else {
            throw APIError(.badRequest, code: "invalid_input", message: "'\(text)' is not a media id (64 hex digits, as POST /v1/media returns)")
        }
        guard let record = try await analysis.store.media(id) else {
            throw APIError(.notFound, code: "not_found", message: "media \(id) is not in the catalog; upload it with POST /v1/media")
        }
        return record
    }

    private func describe(_ record: MediaRecord) async throws -> Response {
        KServeJSON.response(Self.json(record))
    }

    private func describe(media: MediaID) async throws -> [String: Any] {
        guard let record = try await analysis.store.media(media) else { throw StoreError(.notFound, "media \(media) vanished from the catalog") }
        return Self.json(record)
    }

    static func json(_ record: MediaRecord) -> [String: Any] {
        var object: [String: Any] = ["id": record.id.hex]
        object["duration"] = record.probe.durationSeconds
        object["fps"] = record.probe.framesPerSecond
        object["frame_count"] = record.probe.frameCount
        object["width"] = record.probe.width
        object["height"] = record.probe.height
        return object
    }

    static func json(_ annotation: Annotation) -> [String: Any] {
        var object: [String: Any] = ["feature": annotation.feature.rawValue, "start": annotation.start, "end": annotation.end,
                                     "label": annotation.label, "model": annotation.model.description]
        object["score"] = annotation.score
        if let box = annotation.box { object["box"] = ["x": box.x, "y": box.y, "width": box.width, "height": box.height] }
        if let payload = annotation.payload {
            object["payload"] = try? JSONSerialization.jsonObject(with: Data(payload.utf8), options: [.fragmentsAllowed])
        }
        return object
    }
}
