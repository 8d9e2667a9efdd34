import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

/// A throwaway PostgreSQL cluster: `initdb` into a temporary directory, `postgres` on a loopback port,
/// stopped (`pg_ctl stop -m immediate`) and deleted when the suite that started it ends.
///
/// PostgreSQL refuses to run as root; under root the cluster belongs to the `postgres` user (or `nobody`)
/// and every server command runs through `runuser`. Each test gets its own database, so tests run in parallel.
public final class PostgresServer: Sendable {
    public static let user = "playhead"

    public let directory: URL
    public let port: Int
    private let tools: Tools

    /// The server binaries and, under root, the account that runs them.
    struct Tools: Sendable {
        let bin: String
        let runAs: String?

        static func find() throws -> Tools {
            let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
            let candidates = versions.sorted { $0.compare($1, options: .numeric) == .orderedDescending }
                .map { "/usr/lib/postgresql/\($0)/bin" }
                + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            guard let bin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }) else {
                throw ServerError("initdb not found under /usr/lib/postgresql/*/bin or on PATH; run scripts/setup.sh (installs postgresql)")
            }
            guard geteuid() == 0 else { return Tools(bin: bin, runAs: nil) }
            let account = FileManager.default.homeDirectory(forUser: "postgres") != nil ? "postgres" : "nobody"
            return Tools(bin: bin, runAs: account)
        }

        /// Runs a server binary (as the unprivileged account under root), output into `log`.
        func run(_ tool: String, _ arguments: [String], log: URL) async throws {
            if let runAs {
                try await TestShell.run("/usr/sbin/runuser", ["-u", runAs, "--", bin + "/" + tool] + arguments, log: log)
            } else {
                try await TestShell.run(bin + "/" + tool, arguments, log: log)
            }
        }
    }

    private let server: Task<Void, any Error>

    private init(directory: URL, port: Int, tools: Tools, server: Task<Void, any Error>) {
        self.directory = directory
        self.port = port
        self.tools = tools
        self.server = server
    }

    /// Polls `pg_isready` (a few ms each) until the server accepts connections; fails if it exits first.
    private static func waitUntilReady(tools: Tools, port: Int, exited: Shared<Bool>, log: URL) async throws {
        for _ in 0..<600 {
            if exited.value {
                let text = (try? String(contentsOf: log.deletingLastPathComponent().appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
                throw ServerError("postgres exited while starting on port \(port): \(text.suffix(1000))")
            }
            if (try? await tools.run("pg_isready", ["-h", "127.0.0.1", "-p", "\(port)", "-t", "1"], log: log)) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerError("postgres did not accept connections on port \(port) within 30 s")
    }

    public static func start() async throws -> PostgresServer {
        let tools = try Tools.find()
        await removeAbandoned(tools)
        // Under root the directory must be reachable by the server's account, so it goes to /tmp, not $TMPDIR.
        let parent = tools.runAs == nil ? FileManager.default.temporaryDirectory : URL(fileURLWithPath: "/tmp")
        let directory = parent.appendingPathComponent("playhead-pg-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if let runAs = tools.runAs {
            try await TestShell.run("/bin/chown", ["\(runAs):", directory.path], log: URL(fileURLWithPath: "/dev/null"))
        }
        do {
            let data = directory.appendingPathComponent("data").path
            try await tools.run("initdb", ["-D", data, "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C", "-N"],
                                log: directory.appendingPathComponent("initdb.log"))
            // A port picked at random can be taken by the time the server binds it; try a few.
            var lastError: (any Error)?
            for _ in 0..<5 {
                let port = Int.random(in: 20_000..<60_000)
                let exited = Shared(false)
                // `postgres` runs as our child rather than daemonized by `pg_ctl start`: Foundation notices a
                // child's exit when a socket it inherited closes, and a daemon holding that socket would make
                // `pg_ctl start` look like it never ends.
                let server = Task {
                    defer { exited.update { $0 = true } }
                    try await tools.run("postgres", [
                        "-D", data, "-k", directory.path, "-c", "listen_addresses=127.0.0.1", "-p", "\(port)",
                        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=400",
                    ], log: directory.appendingPathComponent("server.log"))
                }
                do {
                    try await waitUntilReady(tools: tools, port: port, exited: exited, log: directory.appendingPathComponent("ready.log"))
                    return PostgresServer(directory: directory, port: port, tools: tools, server: server)
                } catch {
                    lastError = error
                    _ = try? await tools.run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"], log: URL(fileURLWithPath: "/dev/null"))
                    _ = try? await server.value
                }
            }
            throw lastError ?? ServerError("postgres did not start")
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Stops the server at once (its data is thrown away) and deletes the directory.
    public func stop() async {
        try? await tools.run("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"],
                             log: directory.appendingPathComponent("stop.log"))
        _ = try? await server.value
        try? FileManager.default.removeItem(at: directory)
    }

    /// Clusters left by test processes that died before their cleanup ran: stopped and deleted.
    private static func removeAbandoned(_ tools: Tools) async {
        for parent in Set([FileManager.default.temporaryDirectory.path, "/tmp"]) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
            for name in names where name.hasPrefix("playhead-pg-") {
                guard let pid = Int32(name.split(separator: "-")[2]), kill(pid, 0) != 0, errno == ESRCH else { continue }
                let directory = URL(fileURLWithPath: parent).appendingPathComponent(name)
                try? await tools.run("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"],
                                     log: URL(fileURLWithPath: "/dev/null"))
                try? FileManager.default.removeItem(at: directory)
            }
        }
    }

    /// Creates an empty database for one test and returns its URL.
    public func createDatabase() async throws -> String {
        let name = "test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "_"))"
        let configuration = PostgresConnection.Configuration(host: "127.0.0.1", port: port, username: Self.user,
                                                             password: nil, database: "postgres", tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test.postgres"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test.postgres"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return "postgres://\(Self.user)@127.0.0.1:\(port)/\(name)"
    }

    struct ServerError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Starts one server on first use, shared by every test of the suite it scopes, and stops it when the suite ends.
public actor SharedPostgresServer {
    @TaskLocal public static var current: SharedPostgresServer?

    private var server: Task<PostgresServer, any Error>?

    public func get() async throws -> PostgresServer {
        if let server { return try await server.value }
        // A task, not inline code, so concurrent first callers wait on the same start instead of racing.
        let starting = Task { try await PostgresServer.start() }
        server = starting
        return try await starting.value
    }

    func stop() async {
        guard let server, let running = try? await server.value else { return }
        await running.stop()
    }
}

/// Gives the suite one lazily started PostgreSQL server and removes it after the suite's last test.
public struct PostgresServerScope: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let shared = SharedPostgresServer()
        do {
            try await SharedPostgresServer.$current.withValue(shared) { try await function() }
        } catch {
            await shared.stop()
            throw error
        }
        await shared.stop()
    }
}

extension Trait where Self == PostgresServerScope {
    /// One throwaway PostgreSQL server for the suite (started only if a test asks for it).
    public static var postgresServer: Self { PostgresServerScope() }
}

enum TestShell {
    /// Runs a program with its output in `log`; throws with the log's tail when it fails.
    static func run(_ executable: String, _ arguments: [String], log: URL) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if log.path != "/dev/null" { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        // Waiting through the termination handler keeps initdb's seconds off the cooperative pool.
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        guard status == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw PostgresServer.ServerError("\(executable) \(arguments.joined(separator: " ")) exited with \(status): \(text.suffix(2000))")
        }
    }
}
