import GRDB

/// The SQLite schema as GRDB migrations; applied migrations are recorded in `grdb_migrations`.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE features (name TEXT PRIMARY KEY);
                CREATE TABLE media (
                    id TEXT PRIMARY KEY,
                    location TEXT NOT NULL,
                    duration_s REAL, fps REAL, frame_count INTEGER, width INTEGER, height INTEGER,
                    added_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE results (
                    id INTEGER PRIMARY KEY,
                    media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
                    feature TEXT NOT NULL REFERENCES features(name),
                    model TEXT NOT NULL,
                    params_hash TEXT NOT NULL,
                    range_start REAL NOT NULL,
                    range_end REAL NOT NULL CHECK (range_end >= range_start),
                    annotation_count INTEGER NOT NULL,
                    recorded_at REAL NOT NULL,
                    UNIQUE (media_id, feature, model, params_hash, range_start, range_end)
                );
                CREATE INDEX results_by_model ON results(media_id, feature, model, range_start);
                CREATE TABLE annotations (
                    id INTEGER PRIMARY KEY,
                    media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
                    feature TEXT NOT NULL REFERENCES features(name),
                    model TEXT NOT NULL,
                    result_id INTEGER REFERENCES results(id) ON DELETE CASCADE,
                    start_s REAL NOT NULL,
                    end_s REAL NOT NULL CHECK (end_s >= start_s),
                    label TEXT NOT NULL,
                    score REAL,
                    box_x REAL, box_y REAL, box_w REAL, box_h REAL,
                    payload TEXT
                );
                CREATE INDEX annotations_window ON annotations(media_id, feature, start_s);
                CREATE INDEX annotations_result ON annotations(result_id);
                -- The longest annotation per media and feature bounds how far before a window an overlapping
                -- annotation can start, so the window query is a two-sided range scan on annotations_window.
                CREATE TABLE annotation_spans (
                    media_id TEXT NOT NULL,
                    feature TEXT NOT NULL,
                    max_duration REAL NOT NULL,
                    PRIMARY KEY (media_id, feature)
                );
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    media_id TEXT NOT NULL REFERENCES media(id),
                    features TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    error TEXT
                );
                CREATE TABLE tasks (
                    id TEXT PRIMARY KEY,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    chunk_start REAL NOT NULL,
                    chunk_end REAL NOT NULL CHECK (chunk_end >= chunk_start),
                    state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'succeeded', 'failed')),
                    lease_owner TEXT,
                    lease_expires_at REAL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    frames_done INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    cpu_seconds REAL NOT NULL DEFAULT 0,
                    wall_seconds REAL NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX tasks_by_job ON tasks(job_id, chunk_start);
                CREATE INDEX tasks_leasable ON tasks(state, created_at);
                """)
            for feature in Feature.known {
                try db.execute(sql: "INSERT INTO features (name) VALUES (?)", arguments: [feature.rawValue])
            }
        }
        migrator.registerMigration("v2: job parameters, task output and checkpoint") { db in
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN parameters TEXT;
                ALTER TABLE tasks ADD COLUMN output TEXT;
                ALTER TABLE tasks ADD COLUMN checkpoint TEXT;
                ALTER TABLE tasks ADD COLUMN available_at REAL;
                CREATE TABLE pipelines (name TEXT PRIMARY KEY, parameters TEXT NOT NULL, created_at REAL NOT NULL);
                CREATE INDEX media_by_age ON media(added_at);
                DROP INDEX results_by_model;
                CREATE INDEX results_by_model ON results(media_id, feature, model, params_hash, range_start);
                """)
        }
        return migrator
    }
}
