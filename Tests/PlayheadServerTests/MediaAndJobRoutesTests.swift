import Foundation
import Jobs
import PlayheadCore
import Store
import TestSupport
import Testing

/// Uploads, jobs and annotations over HTTP against a live server with a SQLite store and its own worker.
@Suite struct MediaAndJobRoutesTests {
    /// A server with a fresh store in a scratch directory.
    func withServer(maxUploadBytes: Int = 64 << 20, _ body: @Sendable (LiveServer, any Store, URL) async throws -> Void) async throws {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try await StoreURL.sqlite(path: scratch.appendingPathComponent("store.db").path).withStore { store in
            let media = scratch.appendingPathComponent("media")
            let server = try await LiveServer.start(store: store, mediaDirectory: media.path, maxUploadBytes: maxUploadBytes) { _ in }
            do {
                try await body(server, store, media)
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
    }

    func errorCode(_ data: Data) -> String? {
        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["code"] as? String
    }

    /// A `multipart/form-data` body as a browser sends it: a text field, then the file.
    func form(_ file: Data, boundary: String) -> Data {
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nfrom the page\r\n".utf8)
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".utf8)
        body += file
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        return body
    }

    @Test func uploadAJobAndItsAnnotations() async throws {
        let clip = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.clip30fps()))
        try await withServer { server, store, media in
            try await store.savePipeline(name: "shots", parameters: #"{"features":["shots"]}"#)
            let (status, _, body) = try await server.request("POST", "/v1/media", body: clip)
            #expect(status == 201, "\(String(decoding: body, as: UTF8.self))")
            let uploaded = try json(body)
            let id = try #require(uploaded["id"] as? String)
            #expect(id == (try MediaID(contentsOf: try TestMedia.clip30fps())).hex, "the id is the content hash")
            #expect(uploaded["new"] as? Bool == true && uploaded["width"] as? Int == 320)
            let triggered = try #require((uploaded["jobs"] as? [[String: Any]])?.first, "the shots pipeline ran on the new media")
            #expect(triggered["pipeline"] as? String == "shots")

            // The same bytes again, as a browser form: the same media, no second file, no second pipeline run.
            let boundary = "----playhead\(UUID().uuidString.prefix(8))"
            let (again, _, againBody) = try await server.request("POST", "/v1/media", body: form(clip, boundary: boundary),
                                                                 headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
            #expect(again == 200, "\(String(decoding: againBody, as: UTF8.self))")
            let second = try json(againBody)
            #expect(second["id"] as? String == id && second["jobs"] == nil)
            #expect(try FileManager.default.contentsOfDirectory(atPath: media.path) == [id])

            let request = try JSONSerialization.data(withJSONObject: ["media": id, "features": ["shots", "faces"], "chunk_seconds": 1])
            let (created, _, createdBody) = try await server.request("POST", "/v1/jobs", body: request)
            #expect(created == 202, "\(String(decoding: createdBody, as: UTF8.self))")
            let job = try #require(try json(createdBody)["id"] as? String)
            let done = try await waitFor("the job to finish") { () async throws -> [String: Any]? in
                let (_, _, data) = try await server.request("GET", "/v1/jobs/\(job)")
                let object = try json(data)
                return ["done", "failed"].contains(object["state"] as? String) ? object : nil
            }
            #expect(done["state"] as? String == "done", "\(done)")
            let chunks = try #require(done["chunks"] as? [[String: Any]])
            #expect(chunks.count >= 2 && chunks.allSatisfy { $0["state"] as? String == "succeeded" && ($0["frames_done"] as? Int ?? 0) > 0 })
            #expect(((done["cost"] as? [String: Any])?["cpu_seconds"] as? Double ?? 0) > 0)

            let (listed, _, annotations) = try await server.request("GET", "/v1/media/\(id)/annotations?feature=shots&from=0&to=10")
            #expect(listed == 200)
            let shots = try #require(try json(annotations)["annotations"] as? [[String: Any]])
            #expect(shots.contains { $0["label"] as? String == "shot" && $0["model"] as? String == "playhead-shots@1" })

            // Everything asked again is already in the store: a job that is done at once.
            let (memo, _, memoBody) = try await server.request("POST", "/v1/jobs", body: request)
            let memoized = try json(memoBody)
            #expect(memo == 200 && memoized["state"] as? String == "done" && (memoized["computing"] as? [String])?.isEmpty == true)
        }
    }

    @Test func badUploadsAndRequestsAreRefusedAndLeaveNothing() async throws {
        try await withServer(maxUploadBytes: 4096) { server, _, media in
            let (empty, _, emptyBody) = try await server.request("POST", "/v1/media", body: Data())
            #expect(empty == 400 && errorCode(emptyBody) == "empty_file", "\(String(decoding: emptyBody, as: UTF8.self))")

            let (notMedia, _, notMediaBody) = try await server.request("POST", "/v1/media", body: Data("meeting notes, not a video\n".utf8))
            #expect(notMedia == 400 && errorCode(notMediaBody) == "unsupported_format", "\(String(decoding: notMediaBody, as: UTF8.self))")

            let big = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.clip30fps()))
            let (tooLarge, _, tooLargeBody) = try await server.request("POST", "/v1/media", body: big)
            #expect(tooLarge == 413 && errorCode(tooLargeBody) == "payload_too_large")

            let (noFile, _, noFileBody) = try await server.request("POST", "/v1/media", body: Data("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n".utf8),
                                                                   headers: ["Content-Type": "multipart/form-data; boundary=b"])
            #expect(noFile == 400 && errorCode(noFileBody) == "invalid_input", "\(String(decoding: noFileBody, as: UTF8.self))")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: media.path)) ?? [] == [], "no upload is left on disk")

            let unknown = String(repeating: "ab", count: 32)
            for (body, status, code) in [
                ("{\"media\": \"\(unknown)\", \"features\": [\"shots\"]}", 404, "not_found"),
                ("{\"media\": \"\(unknown)\", \"features\": [\"smiles\"]}", 400, "invalid_input"),
                ("{\"media\": \"nope\", \"features\": [\"shots\"]}", 400, "invalid_input"),
                ("{\"media\": ", 400, "invalid_input"),
            ] {
                let (got, _, data) = try await server.request("POST", "/v1/jobs", body: Data(body.utf8))
                #expect(got == status && errorCode(data) == code, "\(body) → \(got) \(String(decoding: data, as: UTF8.self))")
            }
            let (missingJob, _, _) = try await server.request("GET", "/v1/jobs/\(UUID().uuidString)")
            #expect(missingJob == 404)
            let (badWindow, _, badWindowBody) = try await server.request("GET", "/v1/media/\(unknown)/annotations")
            #expect(badWindow == 404 && errorCode(badWindowBody) == "not_found")
        }
    }
}
