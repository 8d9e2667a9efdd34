import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Notices when the client of a keep-alive HTTP/1 connection goes away, so the request it was waiting
/// for can be cancelled without closing connections that stay (unlike Hummingbird's inbound-close
/// helper, which ends the connection after every response).
///
/// Sits in each connection's pipeline; the server runs with remote half-closure allowed, so a client
/// that closes its side shows up as `inputClosed`, one that resets as the channel going inactive.
final class ConnectionWatcher: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    // Parts pass through untouched, so their type is never unwrapped here.
    typealias InboundIn = NIOAny

    private struct State {
        var closed = false
        var nextToken: UInt64 = 0
        var callbacks: [UInt64: @Sendable () -> Void] = [:]
    }
    private let state = Mutex(State())

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { peerClosed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peerClosed()
        context.fireChannelInactive()
    }

    private func peerClosed() {
        let callbacks = state.withLock { state in
            state.closed = true
            defer { state.callbacks = [:] }
            return Array(state.callbacks.values)
        }
        for callback in callbacks { callback() }
    }

    /// Runs `operation`, cancelling it if the client goes away first.
    func cancellingOnDisconnect<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let (closed, closedSink) = AsyncStream.makeStream(of: Void.self)
        let token: UInt64? = state.withLock { state in
            guard !state.closed else { return nil }
            defer { state.nextToken &+= 1 }
            state.callbacks[state.nextToken] = { closedSink.finish() }
            return state.nextToken
        }
        guard let token else { throw CancellationError() }
        defer { _ = state.withLock { $0.callbacks.removeValue(forKey: token) } }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                for await _ in closed {}
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let value = first else { throw CancellationError() }
            return value
        }
    }
}

/// The request context: Hummingbird's core storage plus the connection, to reach its watcher.
public struct PlayheadRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Runs `operation`, cancelled if this request's client disconnects first.
    func cancellingOnDisconnect<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let watcher = try? await channel.pipeline.handler(type: ConnectionWatcher.self).get() else {
            return try await operation()
        }
        return try await watcher.cancellingOnDisconnect(operation)
    }
}
