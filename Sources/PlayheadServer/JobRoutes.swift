import Foundation
import Hummingbird
import Jobs
import PlayheadCore
import Store

/// Analysis jobs over HTTP: `POST /v1/jobs` queues the features the store lacks for a cataloged media,
/// `GET /v1/jobs/{id}` reports state, per-chunk progress, cost and errors. The workers (in this process
/// or `playhead worker` anywhere that reaches the store) compute them.
struct JobRoutes {
    let analysis: MediaAnalysis

    func register(on router: Hummingbird.Router<PlayheadRequestContext>) {
        router.post("/v1/jobs") { request, _ in try await create(request) }
        router.get("/v1/jobs/{id}") { _, context in try await describe(context) }
    }

    /// `{"media": ID, "features": [...], "fps": 5, "text_fps": 1, "safety_fps": 2, "face_model": "blazeface-full", "chunk_seconds": 10}`.
    struct JobRequest: Decodable {
        var media: MediaID
        var options: AnalysisOptions

        init(from decoder: any Decoder) throws {
            media = try decoder.container(keyedBy: Key.self).decode(MediaID.self, forKey: .media)
            options = try AnalysisOptions(from: decoder)
        }

        private enum Key: String, CodingKey { case media }
    }

    private func create(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let parsed: JobRequest
        do {
            parsed = try JSONDecoder().decode(JobRequest.self, from: Data(copying: body))
        } catch {
            throw APIError(.badRequest, code: "invalid_input", message: "the body must be JSON like {\"media\": \"<id>\", \"features\": [\"shots\", \"faces\"]}: \(Self.describe(error))")
        }
        let submission = try await analysis.submit(media: parsed.media, options: parsed.options)
        // Everything already in the store: a job that is done at once keeps the API one shape.
        let job: Job
        if let queued = submission.job {
            job = queued
        } else {
            job = try await analysis.store.createJob(media: parsed.media, features: parsed.options.features.map { Feature($0) }, chunks: [], parameters: nil)
        }
        var object = try await Self.json(job, tasks: analysis.store.tasks(ofJob: job.id))
        object["computing"] = submission.computing
        object["reused"] = submission.reused
        if !submission.notes.isEmpty { object["notes"] = submission.notes }
        return KServeJSON.response(object, status: submission.job == nil ? .ok : .accepted)
    }

    private func describe(_ context: PlayheadRequestContext) async throws -> Response {
        let text = context.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: text) else {
            throw APIError(.badRequest, code: "invalid_input", message: "'\(text)' is not a job id (a UUID, as POST /v1/jobs returns)")
        }
        guard let job = try await analysis.store.job(id) else {
            throw APIError(.notFound, code: "not_found", message: "job \(text) does not exist")
        }
        return KServeJSON.response(try await Self.json(job, tasks: analysis.store.tasks(ofJob: id)))
    }

    /// The job as clients see it: `queued|running|done|failed`, chunks with progress, cost and errors.
    static func json(_ job: Job, tasks: [JobTask]) -> [String: Any] {
        let state = switch job.state {
        case .succeeded: "done"
        case .cancelled: "failed"
        default: job.state.rawValue
        }
        var object: [String: Any] = [
            "id": job.id.uuidString.lowercased(), "media": job.media.hex, "features": job.features.map(\.rawValue), "state": state,
            "created_at": ISO8601DateFormatter().string(from: job.createdAt), "updated_at": ISO8601DateFormatter().string(from: job.updatedAt),
            "progress": [
                "chunks_done": tasks.filter { $0.state == .succeeded }.count, "chunks": tasks.count,
                "frames_done": tasks.reduce(0) { $0 + $1.framesDone },
            ],
            "cost": [
                "cpu_seconds": tasks.reduce(0) { $0 + $1.cpuSeconds }, "chunk_wall_seconds": tasks.reduce(0) { $0 + $1.wallSeconds },
                "elapsed_seconds": job.updatedAt.timeIntervalSince(job.createdAt),
            ],
            "chunks": tasks.map { task in
                var chunk: [String: Any] = ["start": task.chunk.start, "end": task.chunk.end, "state": task.state.rawValue, "attempts": task.attempts,
                                            "frames_done": task.framesDone, "cpu_seconds": task.cpuSeconds, "wall_seconds": task.wallSeconds]
                chunk["error"] = task.error
                chunk["worker"] = task.leaseOwner
                return chunk
            },
        ]
        object["error"] = job.error
        return object
    }

    /// A decoding error in words a client can act on.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        default: "\(error)"
        }
    }
}
