import AvatarCore
import AvatarTestSupport
import NIOConcurrencyHelpers
import Testing

@Suite struct KeyedLockTests {
    @Test func oneKeyRunsOneBodyAtATimeInArrivalOrderAndOtherKeysRunAlongside() async throws {
        let lock = KeyedLock<Int>(maxWaiting: 100, maxWait: .seconds(30))
        let log = Shared<[String]>([])
        let running = Shared(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await lock.withLock(index % 2) { () throws(AvatarError) in
                        let now = running.value.withLockedValue { $0 += 1; return $0 }
                        #expect(now <= 2)
                        log.value.withLockedValue { $0.append("\(index % 2)") }
                        try? await Task.sleep(for: .milliseconds(2))
                        running.value.withLockedValue { $0 -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(log.value.withLockedValue { $0.count } == 20)
    }

    @Test func capacityLetsThatManyRunAtOnce() async throws {
        let lock = KeyedLock<Int>(capacity: 3, maxWaiting: 100, maxWait: .seconds(30))
        let running = Shared((now: 0, most: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await lock.withLock(7) { () throws(AvatarError) in
                        running.value.withLockedValue { $0.now += 1; $0.most = max($0.most, $0.now) }
                        try? await Task.sleep(for: .milliseconds(20))
                        running.value.withLockedValue { $0.now -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(running.value.withLockedValue { $0.most } == 3)
    }

    @Test func aFullQueueAndALongWaitAreRefusedAsOverload() async throws {
        let lock = KeyedLock<Int>(maxWaiting: 2, maxWait: .milliseconds(200))
        let outcomes = Shared<[String]>([])
        let holding = Gate(), release = Gate()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await lock.withLock(1) { () throws(AvatarError) in
                    holding.open()
                    await release.wait()
                }
            }
            await holding.wait()
            await withTaskGroup(of: Void.self) { waiters in
                for _ in 0..<4 {
                    waiters.addTask {
                        do {
                            try await lock.withLock(1) { () throws(AvatarError) in }
                            outcomes.value.withLockedValue { $0.append("ran") }
                        } catch {
                            outcomes.value.withLockedValue { $0.append((error as? AvatarError) == .overloaded ? "overloaded" : "\(error)") }
                        }
                    }
                }
            }
            // Two found the queue full at once; the two queued gave up after 200 ms, while the key was still held.
            release.open()
        }
        #expect(outcomes.value.withLockedValue { $0 } == ["overloaded", "overloaded", "overloaded", "overloaded"])
        // A turn that comes in time is not refused later by its timer, and the key is free again afterwards.
        let quick = KeyedLock<Int>(maxWaiting: 2, maxWait: .seconds(30))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await quick.withLock(1) { () throws(AvatarError) in try? await Task.sleep(for: .milliseconds(50)) } }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(10))
                try await quick.withLock(1) { () throws(AvatarError) in try? await Task.sleep(for: .milliseconds(100)) }
            }
            try await group.waitForAll()
        }
        try await lock.withLock(1) { () throws(AvatarError) in }
    }
}

/// A mutex tasks can share.
final class Shared<Value: Sendable>: Sendable {
    let value: NIOLockedValueBox<Value>
    init(_ initial: Value) { value = NIOLockedValueBox(initial) }
}
