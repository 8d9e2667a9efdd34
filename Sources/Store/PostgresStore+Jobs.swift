import Foundation
import Logging
import PlayheadCore
import PostgresNIO

// Lease times come from the server's clock (`now()`), so workers on machines with skewed clocks agree.
extension PostgresStore {
    public func createJob(media: MediaID, features: [Feature], chunks: [TimeRange], parameters: String?) async throws(StoreError) -> Job {
        try Check.features(features)
        try Check.json(parameters, "job parameters")
        let id = UUID()
        let joined = features.map(\.rawValue).joined(separator: ",")
        return try await perform { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await Self.requireMedia(connection, media, logger: logger)
                let rows = try await connection.query("""
                    INSERT INTO jobs (id, media_id, features, state, created_at, updated_at, parameters)
                    VALUES (\(id), \(media.hex), \(joined), \(chunks.isEmpty ? "succeeded" : "queued"), now(), now(), \(parameters))
                    RETURNING created_at
                    """, logger: logger)
                var created = Date()
                for try await date in rows.decode(Date.self) { created = date }
                try await connection.query("""
                    INSERT INTO tasks (id, job_id, chunk_start, chunk_end, state, created_at, updated_at)
                    SELECT gen_random_uuid(), \(id), s, e, 'queued', now(), now()
                    FROM UNNEST(\(chunks.map(\.start))::float8[], \(chunks.map(\.end))::float8[]) AS u(s, e)
                    """, logger: logger)
                return Job(id: id, media: media, features: features, state: chunks.isEmpty ? .succeeded : .queued, createdAt: created,
                           updatedAt: created, error: nil,
                           parameters: parameters)
            }
        }
    }

    public func job(_ id: UUID) async throws(StoreError) -> Job? {
        try await perform { client, logger in
            let rows = try await client.query("""
                SELECT media_id, features, state, created_at, updated_at, error, parameters FROM jobs WHERE id = \(id)
                """, logger: logger)
            for try await (mediaHex, features, stateText, created, updated, error, parameters)
                in rows.decode((String, String, String, Date, Date, String?, String?).self) {
                guard let media = MediaID(hex: mediaHex), let state = Job.State(rawValue: stateText) else {
                    throw StoreError(.storageFailed, "job \(id) has a malformed row")
                }
                return Job(id: id, media: media, features: features.split(separator: ",").map { Feature(String($0)) },
                           state: state, createdAt: created, updatedAt: updated, error: error, parameters: parameters)
            }
            return nil
        }
    }

    public func tasks(ofJob id: UUID) async throws(StoreError) -> [JobTask] {
        try await perform { client, logger in
            try await Self.tasks(client.query("""
                SELECT \(unescaped: Self.taskColumns) FROM tasks WHERE job_id = \(id) ORDER BY chunk_start, id
                """, logger: logger))
        }
    }

    public func setJobState(_ id: UUID, _ state: Job.State, error: String?) async throws(StoreError) {
        try await perform { client, logger in
            let rows = try await client.query("""
                UPDATE jobs SET state = \(state.rawValue), error = \(error), updated_at = now() WHERE id = \(id) RETURNING id
                """, logger: logger)
            for try await _ in rows { return }
            throw StoreError(.notFound, "job \(id) does not exist")
        }
    }

    public func leaseNextTask(owner: String, leaseDuration: Duration, job: UUID?) async throws(StoreError) -> JobTask? {
        try Check.lease(owner: owner, duration: leaseDuration)
        return try await perform { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                // SKIP LOCKED: concurrent workers each take a different row instead of queueing on the same one.
                let leased = try await Self.tasks(connection.query("""
                    UPDATE tasks SET state = 'leased', lease_owner = \(owner), attempts = attempts + 1, updated_at = now(),
                        lease_expires_at = now() + make_interval(secs => \(leaseDuration.seconds))
                    WHERE id = (
                        SELECT t.id FROM tasks t JOIN jobs j ON j.id = t.job_id
                        WHERE j.state IN ('queued', 'running') AND (\(job)::uuid IS NULL OR t.job_id = \(job))
                          AND ((t.state = 'queued' AND coalesce(t.available_at, now()) <= now())
                               OR (t.state = 'leased' AND t.lease_expires_at < now()))
                        ORDER BY t.created_at, t.chunk_start LIMIT 1
                        FOR UPDATE OF t SKIP LOCKED)
                    RETURNING \(unescaped: Self.taskColumns)
                    """, logger: logger))
                guard let task = leased.first else { return nil }
                try await connection.query("""
                    UPDATE jobs SET state = 'running', updated_at = now() WHERE id = \(task.job) AND state = 'queued'
                    """, logger: logger)
                return task
            }
        }
    }

    @discardableResult
    public func renewLease(task: UUID, owner: String, leaseDuration: Duration, framesDone: Int, checkpoint: String?) async throws(StoreError) -> JobTask {
        try Check.lease(owner: owner, duration: leaseDuration)
        try Check.json(checkpoint, "checkpoint")
        return try await perform { client, logger in
            try await client.withConnection { connection in
                let renewed = try await Self.tasks(connection.query("""
                    UPDATE tasks SET lease_expires_at = now() + make_interval(secs => \(leaseDuration.seconds)),
                        frames_done = \(framesDone), checkpoint = coalesce(\(checkpoint), checkpoint), updated_at = now()
                    WHERE id = \(task) AND state = 'leased' AND lease_owner = \(owner)
                    RETURNING \(unescaped: Self.taskColumns)
                    """, logger: logger))
                guard let renewed = renewed.first else { throw try await Self.leaseLost(connection, task: task, owner: owner, logger: logger) }
                return renewed
            }
        }
    }

    public func completeTask(task: UUID, owner: String, cpuSeconds: Double, wallSeconds: Double, output: String?) async throws(StoreError) {
        try Check.cost(cpu: cpuSeconds, wall: wallSeconds)
        try Check.json(output, "task output")
        try await perform { client, logger in
            try await client.withConnection { connection in
                let rows = try await connection.query("""
                    UPDATE tasks SET state = 'succeeded', lease_owner = NULL, lease_expires_at = NULL, error = NULL,
                        cpu_seconds = cpu_seconds + \(cpuSeconds), wall_seconds = wall_seconds + \(wallSeconds),
                        output = \(output), checkpoint = NULL, updated_at = now()
                    WHERE id = \(task) AND state = 'leased' AND lease_owner = \(owner)
                    RETURNING id
                    """, logger: logger)
                for try await _ in rows { return }
                throw try await Self.leaseLost(connection, task: task, owner: owner, logger: logger)
            }
        }
    }

    public func failTask(task: UUID, owner: String, error: String, maxAttempts: Int, retryAfter: Duration) async throws(StoreError) {
        try Check.maxAttempts(maxAttempts)
        try Check.retryAfter(retryAfter)
        try await perform { client, logger in
            try await client.withConnection { connection in
                let rows = try await connection.query("""
                    UPDATE tasks SET state = CASE WHEN attempts < \(maxAttempts) THEN 'queued' ELSE 'failed' END,
                        lease_owner = NULL, lease_expires_at = NULL, error = \(error), updated_at = now(),
                        available_at = now() + make_interval(secs => \(retryAfter.seconds))
                    WHERE id = \(task) AND state = 'leased' AND lease_owner = \(owner)
                    RETURNING id
                    """, logger: logger)
                for try await _ in rows { return }
                throw try await Self.leaseLost(connection, task: task, owner: owner, logger: logger)
            }
        }
    }

    static let taskColumns = SQLiteStore.taskColumns

    static func tasks(_ rows: PostgresRowSequence) async throws -> [JobTask] {
        var tasks: [JobTask] = []
        let decoded = rows.decode((UUID, UUID, Double, Double, String, String?, Date?, Int, Int, String?, Double, Double, String?, String?).self)
        for try await (id, job, start, end, state, owner, expires, attempts, frames, error, cpu, wall, output, checkpoint) in decoded {
            guard let state = JobTask.State(rawValue: state) else { throw StoreError(.storageFailed, "task \(id) has state '\(state)'") }
            tasks.append(JobTask(id: id, job: job, chunk: try TimeRange(start: start, end: end), state: state, leaseOwner: owner,
                                 leaseExpiresAt: expires, attempts: attempts, framesDone: frames, error: error,
                                 cpuSeconds: cpu, wallSeconds: wall, output: output, checkpoint: checkpoint))
        }
        return tasks
    }

    /// Why an update guarded by the lease matched nothing: the task is gone, or someone else holds it.
    static func leaseLost(_ connection: PostgresConnection, task: UUID, owner: String, logger: Logger) async throws -> StoreError {
        let rows = try await connection.query("SELECT state, lease_owner FROM tasks WHERE id = \(task)", logger: logger)
        for try await (state, holder) in rows.decode((String, String?).self) {
            return StoreError(.conflict, "task \(task) is \(state)\(holder.map { " by \($0)" } ?? ""), not leased by \(owner); drop the work, the lease was lost")
        }
        return StoreError(.notFound, "task \(task) does not exist")
    }
}
