import Foundation
import Logging
import PlayheadCore
import PostgresNIO

/// The store at scale: PostgreSQL through a PostgresNIO connection pool, shared by any number of workers.
///
/// The pool only works while ``run()`` runs: start it in a task group or a service group next to the code
/// that uses the store (``StoreURL/withStore(logger:_:)`` does both). Readers see committed snapshots per
/// statement, so ``record(_:annotations:)``, one transaction, is atomic for them.
public final class PostgresStore: Store {
    let client: PostgresClient
    let logger: Logger
    /// Where the store connects, without the password; for messages.
    public let endpoint: String

    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        endpoint = "postgres://\(configuration.username)@\(configuration.host ?? configuration.unixSocketPath ?? "?"):\(configuration.port ?? 5432)/\(configuration.database ?? "")"
    }

    /// Runs the connection pool until the surrounding task is cancelled.
    public func run() async {
        await client.run()
    }

    public func migrate() async throws(StoreError) {
        do {
            try await client.withTransaction(logger: logger) { connection in
                // Workers starting together would race to create the same tables; the first one migrates,
                // the others wait on this transaction-scoped lock and then find nothing to do.
                try await connection.query("SELECT pg_advisory_xact_lock(7305726163)", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """, logger: logger)
                var applied = Set<Int>()
                for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                    applied.insert(version)
                }
                for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                }
            }
        } catch {
            let cause = StoreError(postgres: error, endpoint: endpoint)
            throw cause.code == .unavailable ? cause : StoreError(.migrationFailed, "migrating \(endpoint) failed: \(cause.message)")
        }
    }

    // MARK: Media

    public func upsertMedia(_ media: MediaRecord) async throws(StoreError) {
        try media.probe.validate()
        let p = media.probe
        try await perform { client, logger in
            try await client.query("""
                INSERT INTO media (id, location, duration_s, fps, frame_count, width, height, added_at, updated_at)
                VALUES (\(media.id.hex), \(media.location), \(p.durationSeconds), \(p.framesPerSecond), \(p.frameCount),
                        \(p.width), \(p.height), now(), now())
                ON CONFLICT (id) DO UPDATE SET location = EXCLUDED.location, duration_s = EXCLUDED.duration_s,
                    fps = EXCLUDED.fps, frame_count = EXCLUDED.frame_count, width = EXCLUDED.width,
                    height = EXCLUDED.height, updated_at = EXCLUDED.updated_at
                """, logger: logger)
        }
    }

    public func media(_ id: MediaID) async throws(StoreError) -> MediaRecord? {
        try await perform { client, logger in
            let rows = try await client.query("""
                SELECT location, duration_s, fps, frame_count, width, height FROM media WHERE id = \(id.hex)
                """, logger: logger)
            for try await (location, duration, fps, frames, width, height) in rows.decode((String, Double?, Double?, Int?, Int?, Int?).self) {
                return MediaRecord(id: id, location: location, probe: ProbeFacts(
                    durationSeconds: duration, framesPerSecond: fps, frameCount: frames, width: width, height: height))
            }
            return nil
        }
    }

    public func listMedia(limit: Int) async throws(StoreError) -> [MediaRecord] {
        try Check.limit(limit)
        return try await perform { client, logger in
            let rows = try await client.query("""
                SELECT id, location, duration_s, fps, frame_count, width, height FROM media ORDER BY added_at DESC, id LIMIT \(limit)
                """, logger: logger)
            var records: [MediaRecord] = []
            for try await (hex, location, duration, fps, frames, width, height) in rows.decode((String, String, Double?, Double?, Int?, Int?, Int?).self) {
                guard let id = MediaID(hex: hex) else { continue }
                records.append(MediaRecord(id: id, location: location, probe: ProbeFacts(
                    durationSeconds: duration, framesPerSecond: fps, frameCount: frames, width: width, height: height)))
            }
            return records
        }
    }

    // MARK: Pipelines

    public func savePipeline(name: String, parameters: String) async throws(StoreError) {
        try Check.pipeline(name: name, parameters: parameters)
        try await perform { client, logger in
            try await client.query("""
                INSERT INTO pipelines (name, parameters, created_at) VALUES (\(name), \(parameters), now())
                ON CONFLICT (name) DO UPDATE SET parameters = excluded.parameters
                """, logger: logger)
        }
    }

    public func pipelines() async throws(StoreError) -> [Pipeline] {
        try await perform { client, logger in
            let rows = try await client.query("SELECT name, parameters, created_at FROM pipelines ORDER BY name", logger: logger)
            var pipelines: [Pipeline] = []
            for try await (name, parameters, created) in rows.decode((String, String, Date).self) {
                pipelines.append(Pipeline(name: name, parameters: parameters, createdAt: created))
            }
            return pipelines
        }
    }

    public func deletePipeline(name: String) async throws(StoreError) {
        try await perform { client, logger in
            let rows = try await client.query("DELETE FROM pipelines WHERE name = \(name) RETURNING name", logger: logger)
            for try await _ in rows { return }
            throw StoreError(.notFound, "there is no pipeline named '\(name)'")
        }
    }

    // MARK: Results

    public func lookup(_ key: ResultKey) async throws(StoreError) -> ResultRecord? {
        try key.validate()
        return try await perform { client, logger in
            try await client.withConnection { connection in try await Self.result(connection, key, logger: logger)?.record }
        }
    }

    public func recorded(_ keys: [ResultKey]) async throws(StoreError) -> Set<ResultKey> {
        let groups = try ResultKey.groups(keys)
        guard !groups.isEmpty else { return [] }
        return try await perform { client, logger in
            try await client.withConnection { connection in
                var found: Set<ResultKey> = []
                for (group, first, last, wanted) in groups {
                    let rows = try await connection.query("""
                        SELECT range_start, range_end FROM results
                        WHERE media_id = \(group.media.hex) AND feature = \(group.feature.rawValue) AND model = \(group.model.description)
                          AND params_hash = \(group.parametersHash) AND range_start BETWEEN \(first) AND \(last)
                        """, logger: logger)
                    for try await (start, end) in rows.decode((Double, Double).self) {
                        if let key = group.key(start: start, end: end), wanted.contains(key) { found.insert(key) }
                    }
                }
                return found
            }
        }
    }

    @discardableResult
    public func record(_ key: ResultKey, annotations: [Annotation]) async throws(StoreError) -> ResultRecord {
        try key.validate(annotations: annotations)
        return try await perform { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await Self.requireMedia(connection, key.media, logger: logger)
                // Deleting a result cascades to its annotations; the whole swap is one transaction.
                try await connection.query("""
                    DELETE FROM results WHERE media_id = \(key.media.hex) AND feature = \(key.feature.rawValue)
                        AND model = \(key.model.description) AND params_hash = \(key.parametersHash)
                        AND ((range_start < \(key.range.end) AND range_end > \(key.range.start))
                             OR (range_start = \(key.range.start) AND range_end = \(key.range.end)))
                    """, logger: logger)
                let inserted = try await connection.query("""
                    INSERT INTO results (media_id, feature, model, params_hash, range_start, range_end, annotation_count, recorded_at)
                    VALUES (\(key.media.hex), \(key.feature.rawValue), \(key.model.description), \(key.parametersHash),
                            \(key.range.start), \(key.range.end), \(annotations.count), now())
                    RETURNING id, recorded_at
                    """, logger: logger)
                var row: (Int64, Date)?
                for try await value in inserted.decode((Int64, Date).self) { row = value }
                guard let (id, recordedAt) = row else { throw StoreError(.storageFailed, "inserting the result returned no id") }
                try await Self.insert(connection, annotations, media: key.media, result: id, logger: logger)
                return ResultRecord(key: key, annotationCount: annotations.count, recordedAt: recordedAt)
            }
        }
    }

    public func annotations(for key: ResultKey) async throws(StoreError) -> [Annotation] {
        try key.validate()
        return try await perform { client, logger in
            try await client.withConnection { connection in
                guard let (id, _) = try await Self.result(connection, key, logger: logger) else {
                    throw StoreError(.notFound, "no result recorded for \(key.feature) by \(key.model) on \(key.media) \(key.range)")
                }
                return try await Self.annotations(connection.query("""
                    SELECT \(unescaped: Self.annotationColumns) FROM annotations WHERE result_id = \(id) ORDER BY start_s, end_s, id
                    """, logger: logger))
            }
        }
    }

    // MARK: Annotations

    public func annotations(media: MediaID, feature: Feature, window: TimeRange, model: ModelVersion?) async throws(StoreError) -> [Annotation] {
        guard Feature.known.contains(feature) else { throw StoreError.unknownFeature(feature) }
        try Check.window(window)
        let model = model?.description
        return try await perform { client, logger in
            try await Self.annotations(client.query("""
                SELECT \(unescaped: Self.annotationColumns) FROM annotations
                WHERE media_id = \(media.hex) AND feature = \(feature.rawValue)
                  AND start_s >= \(window.start) - (SELECT coalesce(max(max_duration), 0) + \(SQLiteStore.spanSlack)
                                                    FROM annotation_spans WHERE media_id = \(media.hex) AND feature = \(feature.rawValue))
                  AND start_s < \(window.end) AND end_s >= \(window.start) AND (end_s > \(window.start) OR end_s = start_s)
                  AND (\(model)::text IS NULL OR model = \(model))
                ORDER BY start_s, end_s, id
                """, logger: logger))
        }
    }

    public func insertAnnotations(_ annotations: [Annotation], media: MediaID) async throws(StoreError) {
        for annotation in annotations { try annotation.validate() }
        try await perform { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await Self.requireMedia(connection, media, logger: logger)
                try await Self.insert(connection, annotations, media: media, result: nil, logger: logger)
            }
        }
    }

    // MARK: Helpers

    static let annotationColumns = SQLiteStore.annotationColumns

    static func requireMedia(_ connection: PostgresConnection, _ media: MediaID, logger: Logger) async throws {
        for try await _ in try await connection.query("SELECT 1 FROM media WHERE id = \(media.hex)", logger: logger) { return }
        throw StoreError(.notFound, "media \(media) is not in the catalog; add it (upsertMedia) first")
    }

    static func result(_ connection: PostgresConnection, _ key: ResultKey, logger: Logger) async throws -> (id: Int64, record: ResultRecord)? {
        let rows = try await connection.query("""
            SELECT id, annotation_count, recorded_at FROM results
            WHERE media_id = \(key.media.hex) AND feature = \(key.feature.rawValue) AND model = \(key.model.description)
              AND params_hash = \(key.parametersHash) AND range_start = \(key.range.start) AND range_end = \(key.range.end)
            """, logger: logger)
        for try await (id, count, recordedAt) in rows.decode((Int64, Int, Date).self) {
            return (id, ResultRecord(key: key, annotationCount: count, recordedAt: recordedAt))
        }
        return nil
    }

    /// One statement per batch: columns travel as arrays and UNNEST turns them back into rows.
    ///
    /// PostgresNIO arrays cannot hold NULL, so absent numbers travel as NaN (validation refuses real NaN)
    /// and absent payloads as a flag.
    static func insert(_ connection: PostgresConnection, _ annotations: [Annotation], media: MediaID, result: Int64?, logger: Logger) async throws {
        guard !annotations.isEmpty else { return }
        let features = annotations.map(\.feature.rawValue), models = annotations.map(\.model.description)
        let starts = annotations.map(\.start), ends = annotations.map(\.end), labels = annotations.map(\.label)
        let scores = annotations.map { $0.score ?? .nan }
        let xs = annotations.map { $0.box?.x ?? .nan }, ys = annotations.map { $0.box?.y ?? .nan }
        let widths = annotations.map { $0.box?.width ?? .nan }, heights = annotations.map { $0.box?.height ?? .nan }
        let payloads = annotations.map { $0.payload ?? "" }, hasPayload = annotations.map { $0.payload != nil }
        try await connection.query("""
            INSERT INTO annotations (media_id, feature, model, result_id, start_s, end_s, label, score, box_x, box_y, box_w, box_h, payload)
            SELECT \(media.hex), f, m, \(result), s, e, l, NULLIF(sc, 'NaN'), NULLIF(bx, 'NaN'), NULLIF(by, 'NaN'),
                   NULLIF(bw, 'NaN'), NULLIF(bh, 'NaN'), CASE WHEN hp THEN p END
            FROM UNNEST(\(features)::text[], \(models)::text[], \(starts)::float8[], \(ends)::float8[], \(labels)::text[],
                        \(scores)::float8[], \(xs)::float8[], \(ys)::float8[], \(widths)::float8[], \(heights)::float8[],
                        \(payloads)::text[], \(hasPayload)::bool[]) AS u(f, m, s, e, l, sc, bx, by, bw, bh, p, hp)
            """, logger: logger)
        for (feature, group) in Dictionary(grouping: annotations, by: \.feature) {
            try await connection.query("""
                INSERT INTO annotation_spans (media_id, feature, max_duration) VALUES (\(media.hex), \(feature.rawValue), \(Check.longest(group)))
                ON CONFLICT (media_id, feature) DO UPDATE SET max_duration = GREATEST(annotation_spans.max_duration, EXCLUDED.max_duration)
                """, logger: logger)
        }
    }

    static func annotations(_ rows: PostgresRowSequence) async throws -> [Annotation] {
        var result: [Annotation] = []
        let decoded = rows.decode((String, String, Double, Double, String, Double?, Double?, Double?, Double?, Double?, String?).self)
        for try await (feature, model, start, end, label, score, x, y, w, h, payload) in decoded {
            let box = x.flatMap { x in y.flatMap { y in w.flatMap { w in h.map { h in BoundingBox(x: x, y: y, width: w, height: h) } } } }
            result.append(Annotation(feature: Feature(rawValue: feature), start: start, end: end, label: label, score: score,
                                     box: box, payload: payload, model: try ModelVersion(model)))
        }
        return result
    }

    /// Runs `body` and turns whatever it throws into a ``StoreError``.
    @discardableResult
    func perform<T: Sendable>(_ body: (PostgresClient, Logger) async throws -> T) async throws(StoreError) -> T {
        do { return try await body(client, logger) } catch { throw StoreError(postgres: error, endpoint: endpoint) }
    }
}

extension StoreError {
    /// Keeps a ``StoreError`` thrown inside a transaction; turns PostgreSQL's errors into codes a caller can act on.
    init(postgres error: any Error, endpoint: String) {
        if let error = error as? StoreError { self = error; return }
        if let error = error as? PostgresTransactionError,
           let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
            self = StoreError(postgres: cause, endpoint: endpoint)
            return
        }
        if error is CancellationError {
            self = StoreError(.unavailable, "the database operation on \(endpoint) was cancelled")
            return
        }
        guard let error = error as? PSQLError else {
            self = StoreError(.storageFailed, "PostgreSQL \(endpoint): \(error)")
            return
        }
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            self = StoreError(.unavailable, "cannot reach PostgreSQL at \(endpoint) (\(error.code)); check the server runs and the URL")
            return
        }
        let text = [error.serverInfo?[.message], error.serverInfo?[.detail]].compactMap { $0 }.joined(separator: ": ")
        switch state.prefix(2) {
        case "23", "40":  // integrity violations; serialization failures and deadlocks (retry)
            self = StoreError(.conflict, "PostgreSQL \(endpoint) refused the change (\(state)): \(text)")
        case "08", "28", "3D", "53", "57":  // connection, authentication, missing database, resources, shutdown
            self = StoreError(.unavailable, "PostgreSQL \(endpoint) (\(state)): \(text)")
        default:
            self = StoreError(.storageFailed, "PostgreSQL \(endpoint) (\(state)): \(text)")
        }
    }
}
