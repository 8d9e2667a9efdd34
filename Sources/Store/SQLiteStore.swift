import Foundation
import GRDB
import PlayheadCore

/// The embedded store: one SQLite file in WAL mode through a GRDB `DatabasePool`.
///
/// Readers run concurrently with the single writer and each read sees one committed snapshot, which is
/// what makes ``record(_:annotations:)`` atomic for readers. GRDB runs the blocking SQLite calls on its own
/// dispatch queues, off Swift's cooperative pool.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database file and its directory; call ``migrate()`` before use.
    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.label = "playhead.store"
        // Other processes (workers) may hold the write lock briefly; wait instead of failing at once.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits, which are
            // recomputed because they were never recorded as done.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.unavailable, "cannot open SQLite database \(path): \(error); check the directory exists and is writable")
        }
    }

    public func migrate() async throws(StoreError) {
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                SQLiteSchema.migrator.asyncMigrate(pool) { result in continuation.resume(with: result.map { _ in }) }
            }
        } catch {
            throw StoreError(.migrationFailed, "migrating \(path) failed: \(error)")
        }
    }

    // MARK: Media

    public func upsertMedia(_ media: MediaRecord) async throws(StoreError) {
        try media.probe.validate()
        let now = Date().timeIntervalSince1970
        try await write { db in
            try db.execute(sql: """
                INSERT INTO media (id, location, duration_s, fps, frame_count, width, height, added_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET location = excluded.location, duration_s = excluded.duration_s,
                    fps = excluded.fps, frame_count = excluded.frame_count, width = excluded.width,
                    height = excluded.height, updated_at = excluded.updated_at
                """, arguments: [media.id.hex, media.location, media.probe.durationSeconds, media.probe.framesPerSecond,
                                 media.probe.frameCount, media.probe.width, media.probe.height, now, now])
        }
    }

    public func media(_ id: MediaID) async throws(StoreError) -> MediaRecord? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT location, duration_s, fps, frame_count, width, height FROM media WHERE id = ?
                """, arguments: [id.hex]) else { return nil }
            return MediaRecord(id: id, location: row[0], probe: ProbeFacts(
                durationSeconds: row[1], framesPerSecond: row[2], frameCount: row[3], width: row[4], height: row[5]))
        }
    }

    public func listMedia(limit: Int) async throws(StoreError) -> [MediaRecord] {
        try Check.limit(limit)
        return try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, location, duration_s, fps, frame_count, width, height FROM media ORDER BY added_at DESC, id LIMIT ?
                """, arguments: [limit]).compactMap { row in
                MediaID(hex: row[0]).map { MediaRecord(id: $0, location: row[1], probe: ProbeFacts(
                    durationSeconds: row[2], framesPerSecond: row[3], frameCount: row[4], width: row[5], height: row[6])) }
            }
        }
    }

    // MARK: Pipelines

    public func savePipeline(name: String, parameters: String) async throws(StoreError) {
        try Check.pipeline(name: name, parameters: parameters)
        try await write { db in
            try db.execute(sql: """
                INSERT INTO pipelines (name, parameters, created_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET parameters = excluded.parameters
                """, arguments: [name, parameters, Date().timeIntervalSince1970])
        }
    }

    public func pipelines() async throws(StoreError) -> [Pipeline] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, parameters, created_at FROM pipelines ORDER BY name").map {
                Pipeline(name: $0[0], parameters: $0[1], createdAt: Date(timeIntervalSince1970: $0[2]))
            }
        }
    }

    public func deletePipeline(name: String) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM pipelines WHERE name = ?", arguments: [name])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "there is no pipeline named '\(name)'") }
        }
    }

    // MARK: Results

    public func lookup(_ key: ResultKey) async throws(StoreError) -> ResultRecord? {
        try key.validate()
        return try await read { db in try Self.result(db, key)?.record }
    }

    public func recorded(_ keys: [ResultKey]) async throws(StoreError) -> Set<ResultKey> {
        let groups = try ResultKey.groups(keys)
        guard !groups.isEmpty else { return [] }
        return try await read { db in
            var found: Set<ResultKey> = []
            for (group, first, last, wanted) in groups {
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT range_start, range_end FROM results
                    WHERE media_id = ? AND feature = ? AND model = ? AND params_hash = ? AND range_start BETWEEN ? AND ?
                    """, arguments: [group.media.hex, group.feature.rawValue, group.model.description, group.parametersHash, first, last])
                while let row = try rows.next() {
                    if let key = group.key(start: row[0], end: row[1]), wanted.contains(key) { found.insert(key) }
                }
            }
            return found
        }
    }

    @discardableResult
    public func record(_ key: ResultKey, annotations: [Annotation]) async throws(StoreError) -> ResultRecord {
        try key.validate(annotations: annotations)
        let now = Date().timeIntervalSince1970
        return try await write { db in
            try Self.requireMedia(db, key.media)
            // Deleting a result cascades to its annotations; the whole swap is one transaction.
            try db.execute(sql: """
                DELETE FROM results WHERE media_id = ? AND feature = ? AND model = ? AND params_hash = ?
                    AND ((range_start < ? AND range_end > ?) OR (range_start = ? AND range_end = ?))
                """, arguments: [key.media.hex, key.feature.rawValue, key.model.description, key.parametersHash,
                                 key.range.end, key.range.start, key.range.start, key.range.end])
            try db.execute(sql: """
                INSERT INTO results (media_id, feature, model, params_hash, range_start, range_end, annotation_count, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key.media.hex, key.feature.rawValue, key.model.description, key.parametersHash,
                                 key.range.start, key.range.end, annotations.count, now])
            try Self.insert(db, annotations, media: key.media, result: db.lastInsertedRowID)
            return ResultRecord(key: key, annotationCount: annotations.count, recordedAt: Date(timeIntervalSince1970: now))
        }
    }

    public func annotations(for key: ResultKey) async throws(StoreError) -> [Annotation] {
        try key.validate()
        return try await read { db in
            guard let (id, _) = try Self.result(db, key) else {
                throw StoreError(.notFound, "no result recorded for \(key.feature) by \(key.model) on \(key.media) \(key.range)")
            }
            return try Self.annotations(db, sql: "SELECT \(Self.annotationColumns) FROM annotations WHERE result_id = ? ORDER BY start_s, end_s, id",
                                        arguments: [id])
        }
    }

    // MARK: Annotations

    public func annotations(media: MediaID, feature: Feature, window: TimeRange, model: ModelVersion?) async throws(StoreError) -> [Annotation] {
        guard Feature.known.contains(feature) else { throw StoreError.unknownFeature(feature) }
        try Check.window(window)
        var sql = """
            SELECT \(Self.annotationColumns) FROM annotations
            WHERE media_id = ? AND feature = ?
              AND start_s >= ? - (SELECT coalesce(max(max_duration), 0) + \(Self.spanSlack) FROM annotation_spans WHERE media_id = ? AND feature = ?)
              AND start_s < ? AND end_s >= ? AND (end_s > ? OR end_s = start_s)
            """
        var arguments: StatementArguments = [media.hex, feature.rawValue, window.start, media.hex, feature.rawValue,
                                             window.end, window.start, window.start]
        if let model {
            sql += " AND model = ?"
            arguments += [model.description]
        }
        sql += " ORDER BY start_s, end_s, id"
        let query = sql
        let bound = arguments
        return try await read { db in try Self.annotations(db, sql: query, arguments: bound) }
    }

    public func insertAnnotations(_ annotations: [Annotation], media: MediaID) async throws(StoreError) {
        for annotation in annotations { try annotation.validate() }
        try await write { db in
            try Self.requireMedia(db, media)
            try Self.insert(db, annotations, media: media, result: nil)
        }
    }

    // MARK: Helpers

    /// Added to the longest span so float rounding of `end - start` can never drop a matching annotation.
    static let spanSlack = 0.001
    static let annotationColumns = "feature, model, start_s, end_s, label, score, box_x, box_y, box_w, box_h, payload"

    static func requireMedia(_ db: Database, _ media: MediaID) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM media WHERE id = ?", arguments: [media.hex]) != nil else {
            throw StoreError(.notFound, "media \(media) is not in the catalog; add it (upsertMedia) first")
        }
    }

    static func result(_ db: Database, _ key: ResultKey) throws -> (id: Int64, record: ResultRecord)? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, annotation_count, recorded_at FROM results
            WHERE media_id = ? AND feature = ? AND model = ? AND params_hash = ? AND range_start = ? AND range_end = ?
            """, arguments: [key.media.hex, key.feature.rawValue, key.model.description, key.parametersHash,
                             key.range.start, key.range.end]) else { return nil }
        return (row[0], ResultRecord(key: key, annotationCount: row[1], recordedAt: Date(timeIntervalSince1970: row[2])))
    }

    static func insert(_ db: Database, _ annotations: [Annotation], media: MediaID, result: Int64?) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO annotations (media_id, feature, model, result_id, start_s, end_s, label, score, box_x, box_y, box_w, box_h, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for a in annotations {
            try statement.execute(arguments: [media.hex, a.feature.rawValue, a.model.description, result, a.start, a.end,
                                              a.label, a.score, a.box?.x, a.box?.y, a.box?.width, a.box?.height, a.payload])
        }
        let spans = try db.cachedStatement(sql: """
            INSERT INTO annotation_spans (media_id, feature, max_duration) VALUES (?, ?, ?)
            ON CONFLICT (media_id, feature) DO UPDATE SET max_duration = max(max_duration, excluded.max_duration)
            """)
        for (feature, group) in Dictionary(grouping: annotations, by: \.feature) {
            try spans.execute(arguments: [media.hex, feature.rawValue, Check.longest(group)])
        }
    }

    static func annotations(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Annotation] {
        var result: [Annotation] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let x: Double? = row[6], y: Double? = row[7], w: Double? = row[8], h: Double? = row[9]
            let box = x.flatMap { x in y.flatMap { y in w.flatMap { w in h.map { h in BoundingBox(x: x, y: y, width: w, height: h) } } } }
            result.append(Annotation(feature: Feature(rawValue: row[0]), start: row[2], end: row[3], label: row[4], score: row[5],
                                     box: box, payload: row[10], model: try ModelVersion(row[1] as String)))
        }
        return result
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw StoreError(sqlite: error, path: path) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw StoreError(sqlite: error, path: path) }
    }
}

extension StoreError {
    /// Keeps a ``StoreError`` thrown inside a transaction; turns SQLite's errors into codes a caller can act on.
    init(sqlite error: any Error, path: String) {
        if let error = error as? StoreError { self = error; return }
        guard let error = error as? DatabaseError else {
            self = error is CancellationError
                ? StoreError(.unavailable, "the database operation on \(path) was cancelled")
                : StoreError(.storageFailed, "SQLite \(path): \(error)")
            return
        }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self = StoreError(.unavailable, "SQLite \(path) is locked by another process; retry (\(error.message ?? ""))")
        case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_FULL, .SQLITE_IOERR:
            self = StoreError(.unavailable, "SQLite \(path): \(error.message ?? "\(error)"); check the disk and permissions")
        case .SQLITE_CONSTRAINT:
            self = StoreError(.conflict, "SQLite \(path) refused the change: \(error.message ?? "\(error)")")
        default:
            self = StoreError(.storageFailed, "SQLite \(path): \(error.message ?? "\(error)")")
        }
    }
}
