import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PlayheadCore
import Sessions
import Store
import Testing
import TestSupport

// Live sessions: a real server on a free port, real models, real decoding of the test video (2 s of the
// astronaut photograph, then 6 s of synthetic patterns, 640x360 at 25 fps). Waits are conditions with a
// generous guard (`eventually`), never timing assertions.

private func openMessage(_ media: MediaID, features: [String] = ["faces"], fps: Int = 5, lookahead: Double = 1) -> String {
    let names = features.map { "\"\($0)\"" }.joined(separator: ",")
    return #"{"type":"open","media":"\#(media.hex)","features":[\#(names)],"fps":\#(fps),"lookahead_s":\#(lookahead)}"#
}

private func number(_ message: [String: Any], _ key: String) -> Double? { (message[key] as? NSNumber)?.doubleValue }

private func isResult(_ feature: String, from: Double = 0, to: Double = .infinity) -> ([String: Any]) -> Bool {
    { message in
        guard message["feature"] as? String == feature, let t = number(message, "t") else { return false }
        return t >= from && t <= to
    }
}

private func detections(_ message: [String: Any]) -> [[String: Any]] {
    ((message["data"] as? [String: Any])?["detections"] as? [[String: Any]]) ?? []
}

/// Analysis frames of `feature` received so far (from message `start` on).
private func frames(_ socket: SessionSocket, _ feature: String, from start: Int = 0) -> Set<Int> {
    Set(socket.messages("result", from: start).filter(isResult(feature)).compactMap { number($0, "frame").map(Int.init) })
}

private func sessionID(_ opened: [String: Any]?) throws -> SessionID {
    let text = try #require(opened?["session"] as? String)
    return SessionID(try #require(UInt64(text.dropFirst())))
}

private func withServer(features: [Feature] = [.faces], configuration: SessionRuntime.Configuration = SessionServer.roomy,
                        _ body: (SessionServer) async throws -> Void) async throws {
    let server = try await SessionServer.start(features: features, configuration: configuration)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

@Suite(.serialized) struct SessionWebSocketTests {
    @Test func sessionStreamsFacesAndSafetyThenReplaysThemFromTheStore() async throws {
        try await withServer(features: [.faces, .safety]) { server in
            let socket = try await server.connect()
            socket.send(openMessage(server.media.id, features: ["faces", "safety"], fps: 5, lookahead: 1))
            let opened = await socket.wait(for: "opened")
            #expect(opened.flatMap { number($0, "width") } == 640)
            #expect(opened.flatMap { number($0, "height") } == 360)

            // Paused at 0, the window [0 s, 1 s] (frames 0...5) is computed at once.
            await eventually("every frame of the first window") {
                frames(socket, "faces").isSuperset(of: 0...5) && frames(socket, "safety").isSuperset(of: 0...5)
            }
            let faces = socket.messages("result").filter(isResult("faces", to: 1))
            #expect(faces.allSatisfy { $0["memoized"] as? Bool == false })
            for result in faces {
                // The photograph is letterboxed to 360x360 at x = 140: the face is inside it, in source pixels.
                let boxes = detections(result).compactMap { $0["box"] as? [String: Double] }
                #expect(boxes.count == 1)
                for box in boxes {
                    #expect(box["x"]! >= 140 && box["x"]! + box["width"]! <= 500 && box["y"]! >= 0 && box["y"]! + box["height"]! <= 360)
                }
            }
            let safety = try #require(socket.messages("result").first(where: isResult("safety")))
            #expect((safety["data"] as? [String: Any])?["explicit"] as? Bool == false)

            // Playing moves the window into the patterns; at a quarter speed, so frames are not dropped as late
            // when the whole test suite shares the machine with this session.
            socket.send(#"{"type":"play","position":0,"rate":0.25}"#)
            await socket.wait(for: "result", where: isResult("faces", from: 2.5))
            await socket.wait(for: "stats") { number($0, "hits") != nil && $0["playing"] as? Bool == true }

            // Every analysed frame is recorded: a face annotation at 0 s under the deployment's model version.
            let version = try SessionServer.repository.manifest(named: "blazeface-full").version
            let key = ResultKey(media: server.media.id, feature: .faces, model: try ModelVersion("blazeface-full@\(version)"),
                                parametersHash: SessionRuntime.parametersHash, range: try TimeRange(start: 0, end: 0))
            #expect(try await server.store.lookup(key) != nil)
            #expect(try await server.store.annotations(for: key).map(\.label) == ["face"])

            let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(server.port)/metrics")!)
            let exported = String(decoding: metrics, as: UTF8.self)
            for name in ["playhead_session_results_total", "playhead_session_result_lead_seconds", "playhead_session_seek_first_result_seconds",
                         "playhead_sessions_open"] {
                #expect(exported.contains(name), "\(name) is exported")
            }
            await socket.close()

            // A second viewer of the same media gets the first window from the store, computed by nobody.
            let replay = try await server.connect()
            replay.send(openMessage(server.media.id, features: ["faces", "safety"], fps: 5, lookahead: 1))
            await eventually("the first window again (errors: \(replay.messages("error")))") {
                frames(replay, "faces").isSuperset(of: 0...5) && frames(replay, "safety").isSuperset(of: 0...5)
            }
            let again = replay.messages("result").filter { number($0, "t")! <= 1 }
            #expect(again.allSatisfy { $0["memoized"] as? Bool == true })
            #expect(again.filter(isResult("faces")).allSatisfy { detections($0).count == 1 })
            await replay.close()
        }
    }

    @Test func badMessagesAreAnsweredAndTheConnectionStaysUsable() async throws {
        try await withServer { server in
            let socket = try await server.connect()
            let unknownMedia = MediaID(hex: String(repeating: "0", count: 64))!
            for message in [
                "this is not json",
                #"{"type":"dance"}"#,
                #"{"type":"play","position":1}"#,
                openMessage(unknownMedia),
                #"{"type":"open","media":"xyz"}"#,
                openMessage(server.media.id, features: ["telepathy"]),
                #"{"type":"open","media":"\#(server.media.id.hex)","fps":true}"#,
                openMessage(server.media.id),
                #"{"type":"seek"}"#,
                openMessage(server.media.id),
            ] { socket.send(message) }
            await eventually("nine errors") { socket.messages("error").count == 9 }
            #expect(socket.messages("error").map { $0["code"] as? String } == [
                "invalid_message", "invalid_message", "not_open", "unknown_media", "invalid_message", "invalid_request",
                "invalid_message", "invalid_message", "already_open",
            ])
            // The valid open in between went through, and the session works after the errors.
            #expect(socket.messages("opened").count == 1)
            socket.send(#"{"type":"seek","position":6}"#)
            await socket.wait(for: "result", where: isResult("faces", from: 6))
            socket.send(#"{"type":"close"}"#)
            await socket.wait(for: "closed")
            socket.send(openMessage(server.media.id))
            await eventually("a second session on the same connection") { socket.messages("opened").count == 2 }
            await socket.close()

            // The page and the video bytes the page plays, with a byte range as a <video> element asks for it.
            let base = "http://127.0.0.1:\(server.port)"
            let (page, _) = try await URLSession.shared.data(from: URL(string: base + "/player")!)
            #expect(String(decoding: page, as: UTF8.self).contains("/v1/sessions"))
            var request = URLRequest(url: URL(string: base + "/v1/media/\(server.media.id.hex)/file")!)
            request.setValue("bytes=0-99", forHTTPHeaderField: "Range")
            let (bytes, response) = try await URLSession.shared.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            let file = try Data(contentsOf: URL(fileURLWithPath: server.media.location))
            #expect(http.statusCode == 206)
            #expect(http.value(forHTTPHeaderField: "Content-Range") == "bytes 0-99/\(file.count)")
            #expect(bytes == file.prefix(100))
        }
    }

    @Test func overCapacityIsRefusedAndALighterSessionFits() async throws {
        // One worker and a pessimistic 500 ms per face frame (not calibrated): 10 fps needs 5 workers, 1 fps half of one.
        let configuration = SessionRuntime.Configuration(workers: 1, serviceTimes: ServiceTimeEstimator(initial: [.faces: .milliseconds(500)]),
                                                         calibrate: false)
        try await withServer(configuration: configuration) { server in
            let socket = try await server.connect()
            socket.send(openMessage(server.media.id, fps: 10))
            let refusal = await socket.wait(for: "error") { $0["code"] as? String == "over_capacity" }
            #expect(refusal?["offered_fps"] as? Double == 1, "0.8 of one worker holds 1 fps of 500 ms frames")
            socket.send(openMessage(server.media.id, fps: 1))
            await socket.wait(for: "opened")
            await socket.close()
        }
    }

    @Test func aClientThatLeavesMidPlayFreesAllItsWork() async throws {
        try await withServer(features: [.faces, .safety]) { server in
            let socket = try await server.connect()
            socket.send(openMessage(server.media.id, features: ["faces", "safety"], fps: 10, lookahead: 3))
            let id = try sessionID(await socket.wait(for: "opened"))
            socket.send(#"{"type":"play","position":0,"rate":1}"#)
            await socket.wait(for: "result")
            let busy = await server.runtime.workload(of: id)
            #expect(busy.queued + busy.inFlight > 0)

            await socket.close()
            await eventually("the session closed and its work gone") {
                let open = await server.runtime.openSessionCount
                let workload = await server.runtime.workload(of: id)
                return open == 0 && workload == .idle
            }
        }
    }

    @Test func resultsAfterASeekComeFromTheNewPosition() async throws {
        try await withServer { server in
            let socket = try await server.connect()
            socket.send(openMessage(server.media.id, fps: 5, lookahead: 1))
            let id = try sessionID(await socket.wait(for: "opened"))
            // Paused: once frames 0...5 are in, nothing else is computed.
            await eventually("the first window, then nothing in flight") {
                let workload = await server.runtime.workload(of: id)
                return frames(socket, "faces").isSuperset(of: 0...5) && workload == .idle
            }
            let mark = socket.count
            socket.send(#"{"type":"seek","position":5}"#)
            await eventually("the window at 5 s") { frames(socket, "faces", from: mark).isSuperset(of: 25...30) }
            let after = socket.messages("result", from: mark)
            #expect(after.allSatisfy { number($0, "t")! >= 5 && number($0, "t")! <= 6 })
            #expect(frames(socket, "faces", from: mark) == Set(25...30))

            // Back to the start: those frames were computed already and come from the store.
            let back = socket.count
            socket.send(#"{"type":"seek","position":0}"#)
            await eventually("the first window again") { frames(socket, "faces", from: back).isSuperset(of: 0...5) }
            #expect(socket.messages("result", from: back).allSatisfy { $0["memoized"] as? Bool == true })
            let stats = try #require(await server.runtime.stats(of: id))
            #expect(stats.lastSeekLatencySeconds != nil)
            await socket.close()
        }
    }
}
