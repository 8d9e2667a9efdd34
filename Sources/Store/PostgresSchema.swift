/// The PostgreSQL schema as numbered migrations, recorded in `schema_migrations`.
///
/// Each migration is a list of single statements because the extended query protocol runs one per query.
/// Never edit a migration that has shipped; add the next number.
enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "catalog, results, annotations, jobs, tasks", statements: [
            "CREATE TABLE features (name TEXT PRIMARY KEY)",
            "INSERT INTO features (name) VALUES " + Feature.known.map { "('\($0.rawValue)')" }.joined(separator: ", "),
            """
            CREATE TABLE media (
                id TEXT PRIMARY KEY,
                location TEXT NOT NULL,
                duration_s DOUBLE PRECISION, fps DOUBLE PRECISION, frame_count BIGINT, width BIGINT, height BIGINT,
                added_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE results (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
                feature TEXT NOT NULL REFERENCES features(name),
                model TEXT NOT NULL,
                params_hash TEXT NOT NULL,
                range_start DOUBLE PRECISION NOT NULL,
                range_end DOUBLE PRECISION NOT NULL CHECK (range_end >= range_start),
                annotation_count BIGINT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                UNIQUE (media_id, feature, model, params_hash, range_start, range_end)
            )
            """,
            "CREATE INDEX results_by_model ON results (media_id, feature, model, range_start)",
            """
            CREATE TABLE annotations (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
                feature TEXT NOT NULL REFERENCES features(name),
                model TEXT NOT NULL,
                result_id BIGINT REFERENCES results(id) ON DELETE CASCADE,
                start_s DOUBLE PRECISION NOT NULL,
                end_s DOUBLE PRECISION NOT NULL CHECK (end_s >= start_s),
                label TEXT NOT NULL,
                score DOUBLE PRECISION,
                box_x DOUBLE PRECISION, box_y DOUBLE PRECISION, box_w DOUBLE PRECISION, box_h DOUBLE PRECISION,
                payload TEXT
            )
            """,
            "CREATE INDEX annotations_window ON annotations (media_id, feature, start_s)",
            "CREATE INDEX annotations_result ON annotations (result_id)",
            // The longest annotation per media and feature bounds how far before a window an overlapping
            // annotation can start, so the window query is a two-sided range scan on annotations_window.
            """
            CREATE TABLE annotation_spans (
                media_id TEXT NOT NULL,
                feature TEXT NOT NULL,
                max_duration DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (media_id, feature)
            )
            """,
            """
            CREATE TABLE jobs (
                id UUID PRIMARY KEY,
                media_id TEXT NOT NULL REFERENCES media(id),
                features TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                error TEXT
            )
            """,
            """
            CREATE TABLE tasks (
                id UUID PRIMARY KEY,
                job_id UUID NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                chunk_start DOUBLE PRECISION NOT NULL,
                chunk_end DOUBLE PRECISION NOT NULL CHECK (chunk_end >= chunk_start),
                state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'succeeded', 'failed')),
                lease_owner TEXT,
                lease_expires_at TIMESTAMPTZ,
                attempts BIGINT NOT NULL DEFAULT 0,
                frames_done BIGINT NOT NULL DEFAULT 0,
                error TEXT,
                cpu_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
                wall_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX tasks_by_job ON tasks (job_id, chunk_start)",
            "CREATE INDEX tasks_leasable ON tasks (state, created_at)",
        ]),
        Migration(version: 2, name: "job parameters, task output and checkpoint", statements: [
            "ALTER TABLE jobs ADD COLUMN parameters TEXT",
            "ALTER TABLE tasks ADD COLUMN output TEXT",
            "ALTER TABLE tasks ADD COLUMN checkpoint TEXT",
            "ALTER TABLE tasks ADD COLUMN available_at TIMESTAMPTZ",
            "CREATE TABLE pipelines (name TEXT PRIMARY KEY, parameters TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)",
            "CREATE INDEX media_by_age ON media (added_at)",
            "DROP INDEX results_by_model",
            "CREATE INDEX results_by_model ON results (media_id, feature, model, params_hash, range_start)",
        ]),
    ]
}
