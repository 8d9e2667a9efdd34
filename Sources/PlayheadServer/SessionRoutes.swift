import Analyzers
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import PlayheadCore
import Sessions
import Store

/// `GET /v1/sessions`: interactive playback sessions over a WebSocket, one session at a time per
/// connection, JSON text messages both ways (the protocol is in README.md, "Interactive sessions").
///
/// A bad message is answered with an `error` message and the connection stays usable; a client that
/// goes away closes its session, which cancels all of its work.
struct SessionRoutes {
    let runtime: SessionRuntime
    /// Largest client message accepted; commands are a few hundred bytes.
    static let maxMessageBytes = 64 << 10

    func register(on router: Router<BasicWebSocketRequestContext>) {
        router.ws("/v1/sessions") { inbound, outbound, context in
            try await serve(inbound, outbound, logger: context.logger)
        }
    }

    /// Reads commands until the client leaves. Every outgoing message goes through one writer task, so
    /// replies and the session's results never interleave inside a frame.
    private func serve(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, logger: Logger) async throws {
        let (outgoing, sink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(8192))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await text in outgoing { try await outbound.write(.text(text)) }
            }
            var connection = SessionConnection(runtime: runtime, sink: sink)
            do {
                for try await message in inbound.messages(maxSize: Self.maxMessageBytes) {
                    guard case .text(let text) = message else {
                        sink.yield(SessionMessages.error(SessionError(.invalidMessage, "send JSON text messages, not binary")))
                        continue
                    }
                    if let opened = await connection.handle(text) {
                        // Forwards the session's events until it closes (its stream finishes then).
                        group.addTask {
                            for await event in opened.events { sink.yield(SessionMessages.encode(event)) }
                        }
                    }
                }
            } catch {
                logger.debug("session connection ended", metadata: ["error": "\(error)"])
            }
            await connection.close()
            sink.finish()
            try await group.waitForAll()
        }
    }
}

/// One connection's side of the protocol: parses commands and drives its session on the runtime.
struct SessionConnection {
    let runtime: SessionRuntime
    let sink: AsyncStream<String>.Continuation
    private(set) var session: SessionID?

    init(runtime: SessionRuntime, sink: AsyncStream<String>.Continuation) {
        self.runtime = runtime
        self.sink = sink
    }

    /// Carries out one client message and answers errors; returns the session when this message opened one.
    mutating func handle(_ text: String) async -> OpenedSession? {
        do {
            return try await perform(try ClientMessage(json: text))
        } catch {
            sink.yield(SessionMessages.error(error))
            return nil
        }
    }

    /// Closes the open session, if any.
    mutating func close() async {
        guard let session else { return }
        self.session = nil
        await runtime.close(session)
    }

    private mutating func perform(_ message: ClientMessage) async throws(SessionError) -> OpenedSession? {
        switch message {
        case .open(let media, let features, let fps, let lookahead):
            guard session == nil else { throw SessionError(.alreadyOpen, "a session is already open on this connection; close it first") }
            let opened = try await runtime.open(media: media, features: features, fps: fps, lookahead: lookahead)
            session = opened.id
            sink.yield(SessionMessages.opened(opened, features: features, fps: fps))
            return opened
        case .play(let position, let rate):
            try await runtime.play(try current(), from: position, rate: rate)
        case .pause(let position):
            try await runtime.pause(try current(), at: position)
        case .seek(let position):
            try await runtime.seek(try current(), to: position)
        case .close:
            let id = try current()
            await close()
            sink.yield(SessionMessages.json(["type": "closed", "session": id.description]))
        }
        return nil
    }

    private func current() throws(SessionError) -> SessionID {
        guard let session else { throw SessionError(.notOpen, "no session is open on this connection; send {\"type\":\"open\",…} first") }
        return session
    }
}

/// A parsed client message.
enum ClientMessage {
    case open(media: MediaID, features: [Feature], fps: Rational, lookahead: Duration)
    case play(position: Duration, rate: Double)
    case pause(position: Duration)
    case seek(position: Duration)
    case close

    /// The fields any message may carry; which are required depends on `type`.
    private struct Fields: Decodable {
        var type: String
        var media: String?
        var features: [String]?
        var fps: Double?
        var lookaheadS: Double?
        var position: Double?
        var rate: Double?

        enum CodingKeys: String, CodingKey {
            case type, media, features, fps, position, rate
            case lookaheadS = "lookahead_s"
        }
    }

    /// Parses one JSON text message; every failure is an `invalid_message` error naming the problem.
    init(json text: String) throws(SessionError) {
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(text.utf8))
        } catch let DecodingError.typeMismatch(_, context) {
            throw SessionError(.invalidMessage, "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch let DecodingError.keyNotFound(key, _) {
            throw SessionError(.invalidMessage, "the message has no '\(key.stringValue)'")
        } catch {
            throw SessionError(.invalidMessage, "the message is not a JSON object")
        }
        switch fields.type {
        case "open":
            guard let hex = fields.media, let media = MediaID(hex: hex.lowercased()) else {
                throw SessionError(.invalidMessage, "'media' must be a media id (64 hex digits)")
            }
            let fps = try Self.check(fields.fps ?? 10, "fps", in: 0.1...1000)
            let lookahead = try Self.check(fields.lookaheadS ?? 3, "lookahead_s", in: 0.1...3600)
            self = .open(media: media, features: (fields.features ?? ["faces", "safety"]).map { Feature($0) },
                         fps: Self.rational(fps), lookahead: .seconds(lookahead))
        case "play":
            self = .play(position: try Self.position(fields), rate: try Self.check(fields.rate ?? 1, "rate", in: 0...16))
        case "pause":
            self = .pause(position: try Self.position(fields))
        case "seek":
            self = .seek(position: try Self.position(fields))
        case "close":
            self = .close
        default:
            throw SessionError(.invalidMessage, "unknown message type '\(fields.type)'; expected open, play, pause, seek or close")
        }
    }

    private static func position(_ fields: Fields) throws(SessionError) -> Duration {
        guard let position = fields.position else { throw SessionError(.invalidMessage, "'position' (seconds) is required") }
        return .seconds(try check(position, "position", in: 0...1e9))
    }

    private static func check(_ value: Double, _ name: String, in range: ClosedRange<Double>) throws(SessionError) -> Double {
        guard range.contains(value) else {
            throw SessionError(.invalidMessage, "'\(name)' must be a number in \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// An fps as a rational: exact for whole numbers, to the thousandth otherwise.
    private static func rational(_ fps: Double) -> Rational {
        fps == fps.rounded() ? Rational(Int64(fps), 1) : Rational(Int64((fps * 1000).rounded()), 1000)
    }
}

/// Server messages as JSON text.
enum SessionMessages {
    static func encode(_ event: SessionEvent) -> String {
        switch event {
        case .result(let result): self.result(result)
        case .stats(let stats): self.stats(stats)
        case .error(let error): self.error(error)
        }
    }

    static func opened(_ session: OpenedSession, features: [Feature], fps: Rational) -> String {
        json(["type": "opened", "session": session.id.description, "width": session.width, "height": session.height,
              "duration": session.duration ?? NSNull(), "fps": fps.doubleValue, "features": features.map(\.rawValue)])
    }

    static func result(_ result: FrameResult) -> String {
        var data: [String: Any] = [
            "width": result.width, "height": result.height,
            "detections": result.detections.map { detection -> [String: Any] in
                ["label": detection.label, "score": detection.score,
                 "box": ["x": detection.box.x, "y": detection.box.y, "width": detection.box.width, "height": detection.box.height]]
            },
        ]
        if result.feature == .safety {
            data["explicit"] = result.detections.contains { NudeNet.explicitLabels.contains($0.label) }
        }
        return json(["type": "result", "feature": result.feature.rawValue, "t": result.time, "frame": result.frame,
                     "memoized": result.memoized, "data": data])
    }

    static func stats(_ stats: SessionStats) -> String {
        json(["type": "stats", "position": stats.position, "playing": stats.playing, "hits": stats.hits,
              "memoized_hits": stats.memoizedHits, "late": stats.late, "dropped": stats.dropped, "results": stats.resultsSent,
              "in_flight": stats.inFlight, "queued": stats.queued, "hit_ratio": stats.hitRatio ?? NSNull(),
              "lead_s_p50": stats.medianLeadSeconds ?? NSNull(), "seek_latency_s": stats.lastSeekLatencySeconds ?? NSNull()])
    }

    static func error(_ error: SessionError) -> String {
        var object: [String: Any] = ["type": "error", "code": error.code.rawValue, "message": error.message]
        if let offered = error.offeredFPS { object["offered_fps"] = offered }
        return json(object)
    }

    static func json(_ object: [String: Any]) -> String {
        // Only JSON types and finite numbers are put in, so serialisation does not fail in practice.
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return #"{"type":"error","code":"internal","message":"a message could not be encoded"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
