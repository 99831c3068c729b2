import Logging
import PostgresNIO

/// The schema, as numbered steps applied once each, in order. Applying takes an advisory
/// lock, so nodes starting together apply each step exactly once.
public enum Migrations {
    /// Appended to, never edited: a deployed step is history.
    static let steps: [(version: Int, sql: PostgresQuery)] = [
        (1, """
            CREATE TABLE IF NOT EXISTS avatars (
                hash text PRIMARY KEY,
                version text NOT NULL,
                format text NOT NULL,
                width integer NOT NULL,
                height integer NOT NULL,
                bytes bigint NOT NULL,
                rating text NOT NULL DEFAULT 'g',
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """),
        // Crops: rows from before keep NULLs, read as their original's centre square.
        (2, """
            ALTER TABLE avatars
                ADD COLUMN IF NOT EXISTS original text,
                ADD COLUMN IF NOT EXISTS crop_x integer,
                ADD COLUMN IF NOT EXISTS crop_y integer,
                ADD COLUMN IF NOT EXISTS crop_size integer,
                ADD COLUMN IF NOT EXISTS crop_source text
            """),
        // Pending purges, written with the changes they tell; the index serves claims by due time.
        (3, """
            CREATE TABLE IF NOT EXISTS avatar_purges (
                id uuid NOT NULL,
                target text NOT NULL,
                event text NOT NULL,
                hash text NOT NULL,
                version text,
                changed_at timestamptz NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL,
                PRIMARY KEY (id, target)
            )
            """),
        (4, "CREATE INDEX IF NOT EXISTS avatar_purges_due ON avatar_purges (next_attempt_at)"),
        // The claim that may settle a purge.
        (5, "ALTER TABLE avatar_purges ADD COLUMN IF NOT EXISTS lease uuid"),
        // Frames of the original; rows from before it was counted are stills.
        (6, "ALTER TABLE avatars ADD COLUMN IF NOT EXISTS frames integer NOT NULL DEFAULT 1"),
    ]

    /// `pg_advisory_lock` key: "avatars" in ASCII.
    static let lockKey: Int64 = 0x6176_6174_6172_73

    /// Applies every step the database lacks; returns the versions applied now.
    @discardableResult
    public static func apply(url: PostgresURL, logger: Logger) async throws -> [Int] {
        let connection = try await PostgresConnection.connect(
            configuration: url.connectionConfiguration(applicationName: "avatars-migrate"), id: 0, logger: logger)
        do {
            let applied = try await apply(on: connection, logger: logger)
            try await connection.close()
            return applied
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func apply(on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
        do {
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS avatars_schema_migrations (
                    version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var done = Set<Int>()
            for try await version in try await connection.query(
                "SELECT version FROM avatars_schema_migrations", logger: logger
            ).decode(Int.self) {
                done.insert(version)
            }
            var applied: [Int] = []
            for step in steps where !done.contains(step.version) {
                try await connection.withTransaction(logger: logger) { transaction in
                    try await transaction.query(step.sql, logger: logger)
                    try await transaction.query(
                        "INSERT INTO avatars_schema_migrations (version) VALUES (\(step.version))", logger: logger)
                }
                logger.notice("applied schema migration", metadata: ["version": "\(step.version)"])
                applied.append(step.version)
            }
            try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            throw error
        }
    }
}
