import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PostgresMetadata
import PostgresNIO

/// The PostgreSQL `scripts/test-services` starts, described by `AVATARS_TEST_POSTGRES_URL`.
/// Each test gets a database of its own. Tests that need it fail when it is missing.
public struct TestPostgres: Sendable {
    public let adminURL: PostgresURL

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "no test PostgreSQL: run the suite with scripts/test, which starts one (AVATARS_TEST_POSTGRES_URL unset)"
        }
    }

    public static func fromEnvironment() throws -> TestPostgres {
        guard let text = ProcessInfo.processInfo.environment["AVATARS_TEST_POSTGRES_URL"] else { throw Missing() }
        return TestPostgres(adminURL: try PostgresURL(text))
    }

    /// Creates an empty database and returns its URL.
    public func freshDatabase() async throws -> (url: PostgresURL, text: String) {
        let name = "avatars_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "_"))"
        try await execute("CREATE DATABASE \(name)")
        var url = adminURL
        url.database = name
        return (url, "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(name)?sslmode=disable")
    }

    /// Runs one statement as the test role on its maintenance database.
    public func execute(_ sql: String, database: String? = nil) async throws {
        var url = adminURL
        if let database { url.database = database }
        let logger = Logger(label: "test-postgres")
        let connection = try await PostgresConnection.connect(
            configuration: url.connectionConfiguration(applicationName: "avatars-tests"), id: 99, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Stops or starts the server through `scripts/test-services` (Foundation's `Process`
    /// can miss the exit of a script whose child daemonises, so this waits with `system`).
    public static func control(_ action: String) throws {
        let script = Fixtures.directory.deletingLastPathComponent().appendingPathComponent("scripts/test-services").path
        guard system("'\(script)' postgres-\(action) </dev/null >/dev/null 2>&1") == 0 else {
            throw ControlFailed(action: action)
        }
    }

    struct ControlFailed: Error { let action: String }
}
