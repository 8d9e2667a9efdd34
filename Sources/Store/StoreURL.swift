import Foundation
import Logging
import PostgresNIO

/// Where the store lives, as given to `--store`: `sqlite:///path/file.db`, a plain path, or
/// `postgres://user[:password]@host[:port]/database[?sslmode=require]` (TLS is off unless required).
public enum StoreURL: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(host: String, port: Int, user: String, password: String?, database: String, requireTLS: Bool)

    /// The default: `$PLAYHEAD_DATA/playhead.db`, else `./data/playhead.db`.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreURL {
        let directory = environment["PLAYHEAD_DATA"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
        return .sqlite(path: URL(fileURLWithPath: directory).appendingPathComponent("playhead.db").path)
    }

    public init(_ text: String) throws(StoreError) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
                throw StoreError(.invalidInput, "store URL '\(text)' is not postgres://user@host:port/database")
            }
            let database = String(components.path.drop(while: { $0 == "/" }))
            guard let user = components.user, !user.isEmpty, !database.isEmpty else {
                throw StoreError(.invalidInput, "store URL '\(text)' needs a user and a database: postgres://user@host:port/database")
            }
            let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
            guard ["disable", "require"].contains(sslMode) else {
                throw StoreError(.invalidInput, "store URL '\(text)': sslmode must be disable or require")
            }
            self = .postgres(host: host, port: components.port ?? 5432, user: user, password: components.password,
                             database: database, requireTLS: sslMode == "require")
        } else if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard path.hasPrefix("/"), path.count > 1 else {
                throw StoreError(.invalidInput, "store URL '\(text)' needs an absolute path: sqlite:///path/to/file.db")
            }
            self = .sqlite(path: path)
        } else if text.contains("://") {
            throw StoreError(.invalidInput, "store URL '\(text)' has an unknown scheme; use sqlite:///path, a path, or postgres://…")
        } else {
            guard !text.isEmpty else { throw StoreError(.invalidInput, "the store path is empty") }
            self = .sqlite(path: text)
        }
    }

    /// The URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path.hasPrefix("/") ? path : URL(fileURLWithPath: path).path)"
        case .postgres(let host, let port, let user, _, let database, let requireTLS):
            "postgres://\(user)@\(host):\(port)/\(database)\(requireTLS ? "?sslmode=require" : "")"
        }
    }

    /// Opens the store, migrates it, runs `body` with it, and shuts it down, also when `body` throws.
    ///
    /// For PostgreSQL the connection pool runs in a child task for exactly as long as `body` does.
    public func withStore<R: Sendable>(logger: Logger = Logger(label: "playhead.store"),
                                       _ body: @Sendable (any Store) async throws -> R) async throws -> R {
        switch self {
        case .sqlite(let path):
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            return try await body(store)
        case .postgres(let host, let port, let user, let password, let database, let requireTLS):
            var configuration = PostgresClient.Configuration(
                host: host, port: port, username: user, password: password, database: database,
                tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
            // Fail fast on a wrong host instead of waiting for the pool's connect retries.
            configuration.options.connectTimeout = .seconds(5)
            let store = PostgresStore(configuration: configuration, logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                return try await body(store)
            }
        }
    }
}
