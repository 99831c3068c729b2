import Foundation

/// The S3 server `scripts/test-services` starts for the suite, described by
/// `AVATARS_TEST_S3_*` variables. Tests that need it fail when it is missing.
public struct TestS3: Sendable {
    public let endpoint: String
    public let bucket: String
    public let accessKey: String
    public let secretKey: String
    /// The server's process, for tests that stop and resume it.
    public let pid: Int32?

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "no test S3 server: run the suite with scripts/test, which starts one (AVATARS_TEST_S3_* unset)"
        }
    }

    public static func fromEnvironment() throws -> TestS3 {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["AVATARS_TEST_S3_ENDPOINT"], let bucket = environment["AVATARS_TEST_S3_BUCKET"],
            let accessKey = environment["AVATARS_TEST_S3_ACCESS_KEY"],
            let secretKey = environment["AVATARS_TEST_S3_SECRET_KEY"]
        else { throw Missing() }
        return TestS3(
            endpoint: endpoint, bucket: bucket, accessKey: accessKey, secretKey: secretKey,
            pid: environment["AVATARS_TEST_S3_PID"].flatMap { Int32($0) })
    }

    /// A key prefix no other test uses, with a slash inside.
    public static func uniquePrefix(_ label: String) -> String {
        "tests/\(label)-\(UUID().uuidString.prefix(8))/"
    }
}
