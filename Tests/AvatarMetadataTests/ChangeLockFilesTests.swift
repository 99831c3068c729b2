import AvatarCore
import AvatarTestSupport
@testable import AvatarMetadata
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Lock files exclude changes of a hash between holders that share nothing but the folder,
/// as a server and `avatars check` in two processes do.
@Suite struct ChangeLockFilesTests {
    final class Log: Sendable {
        let entries = NIOLockedValueBox<[String]>([])
        func add(_ entry: String) { entries.withLockedValue { $0.append(entry) } }
    }

    @Test func twoHoldersOfOneFolderTakeTurnsAndAWaitPastItsDeadlineIsOverload() async throws {
        let directory = try temporaryDirectory() + "/change-locks"
        let (first, second) = (try ChangeLockFiles(directory: directory), try ChangeLockFiles(directory: directory))
        let hash = AvatarHash("0123456789abcdef0123456789abcdef")!
        let log = Log()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await first.withLock(hash, until: .now + .seconds(5)) { () throws(AvatarError) in
                    log.add("first in")
                    try? await Task.sleep(for: .milliseconds(200))
                    log.add("first out")
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            group.addTask {
                try await second.withLock(hash, until: .now + .seconds(5)) { () throws(AvatarError) in log.add("second in") }
            }
            try await group.waitForAll()
        }
        #expect(log.entries.withLockedValue { $0 } == ["first in", "first out", "second in"])

        let holding = Gate(), release = Gate()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await first.withLock(hash, until: .now + .seconds(5)) { () throws(AvatarError) in
                    holding.open()
                    await release.wait()
                }
            }
            await holding.wait()
            await #expect(throws: AvatarError.overloaded) {
                try await second.withLock(hash, until: .now + .milliseconds(100)) { () throws(AvatarError) in }
            }
            release.open()
        }
        // Another hash's file is free meanwhile, and the lock is free again afterwards.
        try await second.withLock(hash, until: .now + .seconds(1)) { () throws(AvatarError) in }
    }
}
