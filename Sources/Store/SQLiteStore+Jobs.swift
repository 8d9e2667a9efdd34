import Foundation
import GRDB
import PlayheadCore

extension SQLiteStore {
    public func createJob(media: MediaID, features: [Feature], chunks: [TimeRange], parameters: String?) async throws(StoreError) -> Job {
        try Check.features(features)
        try Check.json(parameters, "job parameters")
        let now = Date()
        let job = Job(id: UUID(), media: media, features: features, state: chunks.isEmpty ? .succeeded : .queued, createdAt: now, updatedAt: now, error: nil,
                      parameters: parameters)
        try await write { db in
            try Self.requireMedia(db, media)
            try db.execute(sql: """
                INSERT INTO jobs (id, media_id, features, state, created_at, updated_at, parameters) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.id.uuidString, media.hex, features.map(\.rawValue).joined(separator: ","),
                                 job.state.rawValue, now.timeIntervalSince1970, now.timeIntervalSince1970, parameters])
            let insert = try db.cachedStatement(sql: """
                INSERT INTO tasks (id, job_id, chunk_start, chunk_end, state, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'queued', ?, ?)
                """)
            for chunk in chunks {
                try insert.execute(arguments: [UUID().uuidString, job.id.uuidString, chunk.start, chunk.end,
                                               now.timeIntervalSince1970, now.timeIntervalSince1970])
            }
        }
        return job
    }

    public func job(_ id: UUID) async throws(StoreError) -> Job? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT media_id, features, state, created_at, updated_at, error, parameters FROM jobs WHERE id = ?
                """, arguments: [id.uuidString]) else { return nil }
            guard let media = MediaID(hex: row[0]), let state = Job.State(rawValue: row[2]) else {
                throw StoreError(.storageFailed, "job \(id) has a malformed row")
            }
            let features = (row[1] as String).split(separator: ",").map { Feature(String($0)) }
            return Job(id: id, media: media, features: features, state: state, createdAt: Date(timeIntervalSince1970: row[3]),
                       updatedAt: Date(timeIntervalSince1970: row[4]), error: row[5], parameters: row[6])
        }
    }

    public func tasks(ofJob id: UUID) async throws(StoreError) -> [JobTask] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.taskColumns) FROM tasks WHERE job_id = ? ORDER BY chunk_start, id",
                             arguments: [id.uuidString]).map(Self.task)
        }
    }

    public func setJobState(_ id: UUID, _ state: Job.State, error: String?) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                           arguments: [state.rawValue, error, Date().timeIntervalSince1970, id.uuidString])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "job \(id) does not exist") }
        }
    }

    public func leaseNextTask(owner: String, leaseDuration: Duration, job: UUID?) async throws(StoreError) -> JobTask? {
        try Check.lease(owner: owner, duration: leaseDuration)
        let now = Date().timeIntervalSince1970
        return try await exclusive { db in
            // An IMMEDIATE transaction holds SQLite's write lock from the first statement, so workers in other
            // processes cannot pick the same row between the SELECT and the UPDATE.
            guard let row = try Row.fetchOne(db, sql: """
                UPDATE tasks SET state = 'leased', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
                WHERE id = (
                    SELECT t.id FROM tasks t JOIN jobs j ON j.id = t.job_id
                    WHERE j.state IN ('queued', 'running') AND (? IS NULL OR t.job_id = ?)
                      AND ((t.state = 'queued' AND coalesce(t.available_at, 0) <= ?) OR (t.state = 'leased' AND t.lease_expires_at < ?))
                    ORDER BY t.created_at, t.chunk_start LIMIT 1)
                RETURNING \(Self.taskColumns)
                """, arguments: [owner, now + leaseDuration.seconds, now, job?.uuidString, job?.uuidString, now, now]) else { return nil }
            let task = try Self.task(row)
            try db.execute(sql: "UPDATE jobs SET state = 'running', updated_at = ? WHERE id = ? AND state = 'queued'",
                           arguments: [now, task.job.uuidString])
            return task
        }
    }

    @discardableResult
    public func renewLease(task: UUID, owner: String, leaseDuration: Duration, framesDone: Int, checkpoint: String?) async throws(StoreError) -> JobTask {
        try Check.lease(owner: owner, duration: leaseDuration)
        try Check.json(checkpoint, "checkpoint")
        let now = Date().timeIntervalSince1970
        return try await exclusive { db in
            guard let row = try Row.fetchOne(db, sql: """
                UPDATE tasks SET lease_expires_at = ?, frames_done = ?, checkpoint = coalesce(?, checkpoint), updated_at = ?
                WHERE id = ? AND state = 'leased' AND lease_owner = ?
                RETURNING \(Self.taskColumns)
                """, arguments: [now + leaseDuration.seconds, framesDone, checkpoint, now, task.uuidString, owner]) else {
                throw try Self.leaseLost(db, task: task, owner: owner)
            }
            return try Self.task(row)
        }
    }

    public func completeTask(task: UUID, owner: String, cpuSeconds: Double, wallSeconds: Double, output: String?) async throws(StoreError) {
        try Check.cost(cpu: cpuSeconds, wall: wallSeconds)
        try Check.json(output, "task output")
        try await exclusive { db in
            try db.execute(sql: """
                UPDATE tasks SET state = 'succeeded', lease_owner = NULL, lease_expires_at = NULL, error = NULL,
                    cpu_seconds = cpu_seconds + ?, wall_seconds = wall_seconds + ?, output = ?, checkpoint = NULL, updated_at = ?
                WHERE id = ? AND state = 'leased' AND lease_owner = ?
                """, arguments: [cpuSeconds, wallSeconds, output, Date().timeIntervalSince1970, task.uuidString, owner])
            guard db.changesCount == 1 else { throw try Self.leaseLost(db, task: task, owner: owner) }
        }
    }

    public func failTask(task: UUID, owner: String, error: String, maxAttempts: Int, retryAfter: Duration) async throws(StoreError) {
        try Check.maxAttempts(maxAttempts)
        try Check.retryAfter(retryAfter)
        let now = Date().timeIntervalSince1970
        try await exclusive { db in
            try db.execute(sql: """
                UPDATE tasks SET state = CASE WHEN attempts < ? THEN 'queued' ELSE 'failed' END,
                    lease_owner = NULL, lease_expires_at = NULL, error = ?, available_at = ?, updated_at = ?
                WHERE id = ? AND state = 'leased' AND lease_owner = ?
                """, arguments: [maxAttempts, error, now + retryAfter.seconds, now, task.uuidString, owner])
            guard db.changesCount == 1 else { throw try Self.leaseLost(db, task: task, owner: owner) }
        }
    }

    static let taskColumns = """
        id, job_id, chunk_start, chunk_end, state, lease_owner, lease_expires_at, attempts, frames_done, error, cpu_seconds, wall_seconds,
        output, checkpoint
        """

    static func task(_ row: Row) throws -> JobTask {
        guard let id = UUID(uuidString: row[0]), let job = UUID(uuidString: row[1]), let state = JobTask.State(rawValue: row[4]) else {
            throw StoreError(.storageFailed, "task row \(row) is malformed")
        }
        let expires: Double? = row[6]
        return JobTask(id: id, job: job, chunk: try TimeRange(start: row[2], end: row[3]), state: state, leaseOwner: row[5],
                       leaseExpiresAt: expires.map(Date.init(timeIntervalSince1970:)), attempts: row[7], framesDone: row[8],
                       error: row[9], cpuSeconds: row[10], wallSeconds: row[11], output: row[12], checkpoint: row[13])
    }

    /// Why an update guarded by the lease matched nothing: the task is gone, or someone else holds it.
    static func leaseLost(_ db: Database, task: UUID, owner: String) throws -> StoreError {
        guard let row = try Row.fetchOne(db, sql: "SELECT state, lease_owner FROM tasks WHERE id = ?", arguments: [task.uuidString]) else {
            return StoreError(.notFound, "task \(task) does not exist")
        }
        let state: String = row[0]
        let holder: String? = row[1]
        return StoreError(.conflict, "task \(task) is \(state)\(holder.map { " by \($0)" } ?? ""), not leased by \(owner); drop the work, the lease was lost")
    }

    func exclusive<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch { throw StoreError(sqlite: error, path: path) }
    }
}
