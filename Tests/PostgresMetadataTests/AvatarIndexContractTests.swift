import AvatarCore
import AvatarMetadata
import AvatarTestSupport
import Foundation
import Logging
import PostgresMetadata
import Purges
import Testing

/// One contract, every backend: what the service relies on from an `AvatarIndex`.
enum IndexBackend: String, CaseIterable, CustomTestStringConvertible {
    case embedded, postgres

    var testDescription: String { rawValue }

    /// A fresh, empty index of this kind, run until `body` returns.
    func withIndex(
        outbox: PurgeOutbox = PurgeOutbox(), _ body: (any AvatarIndex & PurgeQueue) async throws -> Void
    ) async throws {
        switch self {
        case .embedded:
            let index = try EmbeddedAvatarIndex(path: try temporaryDirectory("contract"), outbox: outbox)
            try await body(index)
            try await index.shutdown()
        case .postgres:
            let database = try await TestPostgres.fromEnvironment().freshDatabase()
            let logger = Logger(label: "contract")
            try await Migrations.apply(url: database.url, logger: logger)
            // Generous: these check what the index answers, not how fast, and the suite loads the machine.
            let index = PostgresAvatarIndex(
                url: database.url, maxConnections: 8, timeout: .seconds(20), logger: logger, outbox: outbox)
            let running = Task { try await index.run() }
            defer { running.cancel() }
            try await body(index)
        }
    }
}

@Suite struct AvatarIndexContractTests {
    func facts(_ hash: AvatarHash, _ version: String, rating: Rating = .g) -> AvatarFacts {
        AvatarFacts(hash: hash, original: version, format: .webp, width: 640, height: 480, bytes: 12_345, rating: rating)
    }

    @Test(arguments: IndexBackend.allCases)
    func changesWritePurgesThatAreClaimedLeasedAndSettled(backend: IndexBackend) async throws {
        let outbox = PurgeOutbox(targets: ["varnish http://a", "webhook http://b"])
        try await backend.withIndex(outbox: outbox) { index in
            let hash = AvatarHash(String(repeating: "9a", count: 16))!
            let saved = try await index.save(facts(hash, "v1"), at: Date())
            _ = try await index.remove(hash)
            _ = try await index.remove(hash)
            #expect(try await index.backlog().count == 4)
            let now = Date().addingTimeInterval(1)
            let claimed = try await index.claimAll(at: now, leaseUntil: now.addingTimeInterval(15), limit: 10)
            #expect(claimed.count == 4)
            #expect(Set(claimed.filter { $0.event == .upload }.map(\.version)) == [saved.record.version])
            #expect(claimed.filter { $0.event == .delete }.allSatisfy { $0.version == nil && $0.hash == hash })
            #expect(try await index.claimAll(at: now, leaseUntil: now.addingTimeInterval(15), limit: 10).isEmpty, "leased")
            let retried = PurgeRetry(maxAge: .seconds(600)).afterFailure(claimed[0], at: now)
            try await index.settle([PurgeSettlement(claimed: claimed[0], next: retried)] + claimed.dropFirst().map {
                PurgeSettlement(claimed: $0, next: nil)
            })
            #expect(try await index.backlog().count == 1)
            let again = try await index.claimAll(at: now.addingTimeInterval(1.5), leaseUntil: now.addingTimeInterval(30), limit: 10)
            #expect(again.map(\.id) == [claimed[0].id] && again.first?.attempts == 1)
        }
    }

    @Test(arguments: IndexBackend.allCases)
    func aLeaseThatRanOutSettlesNothingAndOldPurgesExpire(backend: IndexBackend) async throws {
        let outbox = PurgeOutbox(targets: ["webhook http://b", "varnish http://gone"])
        try await backend.withIndex(outbox: outbox) { index in
            let hash = AvatarHash(String(repeating: "7c", count: 16))!
            _ = try await index.save(facts(hash, "v1"), at: Date())
            let now = Date().addingTimeInterval(1)
            let first = try await index.claimDue(
                for: ["webhook http://b"], at: now, leaseUntil: now.addingTimeInterval(15), limit: 10, expiredBefore: .distantPast)
            #expect(first.due.map(\.target) == ["webhook http://b"], "only the targets asked for are claimed")
            // The first sender stalled past its lease; a second claims the purge again.
            let later = now.addingTimeInterval(16)
            let second = try await index.claimDue(
                for: ["webhook http://b"], at: later, leaseUntil: later.addingTimeInterval(15), limit: 10, expiredBefore: .distantPast)
            #expect(second.due.map(\.id) == first.due.map(\.id))
            try await index.settle(first.due.map { PurgeSettlement(claimed: $0, next: nil) })
            #expect(try await index.backlog().count == 2, "the stale claim removed nothing")
            try await index.settle(second.due.map { PurgeSettlement(claimed: $0, next: nil) })
            #expect(try await index.backlog().count == 1)
            // The purge of a target no node sends any more goes once its change is old enough.
            let expiring = try await index.claimDue(
                for: ["webhook http://b"], at: later, leaseUntil: later, limit: 10, expiredBefore: later)
            #expect(expiring.expired == ["varnish http://gone"] && expiring.due.isEmpty)
            #expect(try await index.backlog().count == 0)
        }
    }

    @Test func nodesOnOnePostgreSQLNeverClaimTheSamePurge() async throws {
        let database = try await TestPostgres.fromEnvironment().freshDatabase()
        let logger = Logger(label: "contract")
        try await Migrations.apply(url: database.url, logger: logger)
        let outbox = PurgeOutbox(targets: ["webhook http://b"])
        let nodes = (0..<2).map { _ in
            PostgresAvatarIndex(url: database.url, maxConnections: 8, timeout: .seconds(20), logger: logger, outbox: outbox)
        }
        let running = nodes.map { node in Task { try await node.run() } }
        defer { running.forEach { $0.cancel() } }
        for step in 0..<40 {
            _ = try await nodes[step % 2].save(facts(AvatarHash(String(format: "%032x", step))!, "v\(step)"), at: Date())
        }
        let now = Date().addingTimeInterval(1)
        let claims = try await withThrowingTaskGroup(of: [PendingPurge].self) { group in
            for _ in 0..<8 {
                for node in nodes {
                    group.addTask { try await node.claimAll(at: now, leaseUntil: now.addingTimeInterval(15), limit: 7) }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claims.count == 40)
        #expect(Set(claims.map(\.id)).count == 40, "no purge claimed twice")
    }

    @Test(arguments: IndexBackend.allCases)
    func aCropAndItsOriginalRoundTrip(backend: IndexBackend) async throws {
        try await backend.withIndex { index in
            let hash = AvatarHash(String(repeating: "cd", count: 32))!
            for source in [AvatarCrop.Source.user, .faces, .attention] {
                let crop = AvatarCrop(x: 12, y: 34, size: 400, source: source)
                let facts = AvatarFacts(
                    hash: hash, original: "0123456789abcdef0123", crop: crop, format: .jpeg, width: 640, height: 480, bytes: 1,
                    rating: .g)
                let saved = try await index.save(facts, at: Date())
                #expect(saved.record.crop == crop && saved.record.original == "0123456789abcdef0123")
                #expect(saved.record.version == OriginalVersion.of(original: "0123456789abcdef0123", crop: crop))
                #expect(try await index.record(for: hash) == saved.record)
            }
        }
    }

    @Test(arguments: IndexBackend.allCases)
    func aRecropSavesOnlyOverItsOriginalAndKeepsTheRating(backend: IndexBackend) async throws {
        try await backend.withIndex { index in
            let hash = AvatarHash(String(repeating: "ef", count: 32))!
            func recrop(of original: String) -> AvatarFacts {
                var facts = AvatarFacts(
                    hash: hash, original: original, crop: AvatarCrop(x: 0, y: 0, size: 10, source: .user), format: .png,
                    width: 640, height: 480, bytes: 1, rating: .g)
                facts.recropOf = original
                return facts
            }
            await #expect(throws: AvatarError.notFound) { try await index.save(recrop(of: "a"), at: Date()) }
            _ = try await index.save(facts(hash, "a", rating: .r), at: Date())
            let saved = try await index.save(recrop(of: "a"), at: Date())
            #expect(saved.record.original == "a" && saved.record.rating == .r && saved.record.crop.source == .user)
            let replaced = try await index.save(facts(hash, "b"), at: Date())
            await #expect(throws: AvatarError.conflict) { try await index.save(recrop(of: "a"), at: Date()) }
            #expect(try await index.record(for: hash) == replaced.record)
            _ = try await index.remove(hash)
            await #expect(throws: AvatarError.notFound) { try await index.save(recrop(of: "b"), at: Date()) }
            #expect(try await index.record(for: hash) == nil)
        }
    }

    @Test(arguments: IndexBackend.allCases)
    func saveReplaceRemove(backend: IndexBackend) async throws {
        try await backend.withIndex { index in
            let hash = AvatarHash(String(repeating: "ab", count: 32))!
            #expect(try await index.record(for: hash) == nil)
            let created = Date(timeIntervalSince1970: 1_700_000_000.123)
            let first = try await index.save(facts(hash, "v1"), at: created)
            #expect(first.replaced == nil)
            #expect(first.record.createdAt == created && first.record.updatedAt == created)
            #expect(try await index.record(for: hash) == first.record)

            let later = created.addingTimeInterval(90.5)
            let second = try await index.save(facts(hash, "v2", rating: .r), at: later)
            #expect(second.replaced == first.record)
            #expect(second.record.createdAt == created && second.record.updatedAt == later && second.record.rating == .r)
            #expect(try await index.record(for: hash) == second.record)

            #expect(try await index.remove(hash) == second.record)
            #expect(try await index.remove(hash) == nil)
            #expect(try await index.record(for: hash) == nil)
            try await index.checkReady()
        }
    }

    @Test(arguments: IndexBackend.allCases)
    func recordsComeInPagesInHashOrderEachOnce(backend: IndexBackend) async throws {
        try await backend.withIndex { index in
            #expect(try await index.records(after: nil, limit: 3).isEmpty)
            let hashes = ["ff", "00", "a1", "a0", "9f", "0f", "c3"].enumerated().map { position, start in
                AvatarHash(start + String(repeating: "e", count: [30, 38, 62][position % 3]))!
            }
            for hash in hashes { _ = try await index.save(facts(hash, "v-\(hash.value.prefix(2))"), at: Date()) }
            var walked: [AvatarRecord] = []
            var after: AvatarHash?
            while true {
                let page = try await index.records(after: after, limit: 3)
                #expect(page.count <= 3)
                walked += page
                guard let last = page.last else { break }
                after = last.hash
            }
            #expect(walked.map(\.hash.value) == hashes.map(\.value).sorted())
            #expect(walked.allSatisfy { $0.version == "v-\($0.hash.value.prefix(2))" })
            // A page may start after a hash that has no record.
            let fromGap = try await index.records(after: AvatarHash("a0" + String(repeating: "0", count: 30))!, limit: 10)
            #expect(fromGap.map(\.hash.value) == hashes.map(\.value).sorted().filter { $0 > "a0" + String(repeating: "0", count: 30) })
        }
    }

    @Test(arguments: IndexBackend.allCases)
    func everyHashLengthIsItsOwnRecord(backend: IndexBackend) async throws {
        try await backend.withIndex { index in
            let hashes = [32, 40, 64].map { AvatarHash(String(repeating: "c", count: $0))! }
            for (position, hash) in hashes.enumerated() { _ = try await index.save(facts(hash, "v\(position)"), at: Date()) }
            for (position, hash) in hashes.enumerated() { #expect(try await index.record(for: hash)?.version == "v\(position)") }
        }
    }

    @Test(arguments: IndexBackend.allCases)
    func concurrentSavesOfOneHashEachLearnWhatTheyReplaced(backend: IndexBackend) async throws {
        try await backend.withIndex { index in
            let hash = AvatarHash(String(repeating: "d", count: 40))!
            let versions = (0..<12).map { "v\($0)" }
            let results = try await withThrowingTaskGroup(of: SavedRecord.self) { group in
                for version in versions { group.addTask { try await index.save(self.facts(hash, version), at: Date()) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let final = try #require(try await index.record(for: hash)).version
            // A chain: one save replaced nothing, and every version but the final one was replaced exactly once.
            #expect(results.filter { $0.replaced == nil }.count == 1)
            let replaced = results.compactMap { $0.replaced?.version }
            #expect(replaced.count == versions.count - 1 && Set(replaced).count == replaced.count)
            #expect(Set(replaced + [final]) == Set(versions))
        }
    }
}

@Suite struct PostgresOnlyTests {
    @Test func migrationsAreIdempotentAndSafeToRunTogether() async throws {
        let database = try await TestPostgres.fromEnvironment().freshDatabase()
        let logger = Logger(label: "migrations")
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 { group.addTask { try await Migrations.apply(url: database.url, logger: logger) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(applied.sorted() == [1, 2, 3, 4, 5, 6])
        #expect(try await Migrations.apply(url: database.url, logger: logger).isEmpty)
    }

    @Test func rowsFromBeforeCropsReadAsTheirCentreSquare() async throws {
        let postgres = try TestPostgres.fromEnvironment()
        let database = try await postgres.freshDatabase()
        let logger = Logger(label: "old rows")
        try await Migrations.apply(url: database.url, logger: logger)
        try await postgres.execute(
            """
            INSERT INTO avatars (hash, version, format, width, height, bytes, rating, created_at, updated_at)
            VALUES ('0123456789abcdef0123456789abcdef', 'a6d45933a51e7943cf28', 'jpeg', 300, 200, 4980, 'g', now(), now())
            """, database: database.url.database)
        let index = PostgresAvatarIndex(url: database.url, maxConnections: 2, timeout: .seconds(20), logger: logger)
        let running = Task { try await index.run() }
        defer { running.cancel() }
        let record = try #require(try await index.record(for: AvatarHash("0123456789abcdef0123456789abcdef")!))
        #expect(record.original == "a6d45933a51e7943cf28" && record.version == "a6d45933a51e7943cf28")
        #expect(record.crop == AvatarCrop(x: 50, y: 0, size: 200, source: .centre))

        // A node from before crops rewrote a row a new node had cropped: its stale crop
        // columns do not name the version, so the row reads as that version's centre square.
        try await postgres.execute(
            """
            UPDATE avatars SET original = '0000000000ffffffffff', crop_x = 1, crop_y = 2, crop_size = 3, crop_source = 'user'
            """, database: database.url.database)
        let stale = try #require(try await index.record(for: AvatarHash("0123456789abcdef0123456789abcdef")!))
        #expect(stale.original == "a6d45933a51e7943cf28" && stale.crop == AvatarCrop(x: 50, y: 0, size: 200, source: .centre))
    }
}

@Suite struct CachedAvatarIndexTests {
    let hash = AvatarHash(String(repeating: "f", count: 32))!

    func facts(_ version: String) -> AvatarFacts {
        AvatarFacts(hash: hash, original: version, format: .png, width: 1, height: 1, bytes: 1, rating: .g)
    }

    @Test func knownAndUnknownHashesAreServedFromMemoryUntilInvalidated() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory("cached"))
        let cached = CachedAvatarIndex(base, lifetime: .seconds(600))
        #expect(try await cached.record(for: hash) == nil)
        _ = try await base.save(facts("v1"), at: Date())  // behind the cache's back, as another node would
        #expect(try await cached.record(for: hash) == nil, "the negative entry holds")
        cached.invalidate(hash)
        #expect(try await cached.record(for: hash)?.version == "v1")
        _ = try await base.save(facts("v2"), at: Date())
        #expect(try await cached.record(for: hash)?.version == "v1", "the positive entry holds")
        cached.invalidateAll()
        #expect(try await cached.record(for: hash)?.version == "v2")
        _ = try await cached.save(facts("v3"), at: Date())
        #expect(try await cached.record(for: hash)?.version == "v3", "own writes are seen at once")
        try await base.shutdown()
    }

    @Test func entriesExpire() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory("cached"))
        let cached = CachedAvatarIndex(base, lifetime: .milliseconds(200))
        #expect(try await cached.record(for: hash) == nil)
        _ = try await base.save(facts("v1"), at: Date())
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await cached.record(for: hash)?.version == "v1")
        try await base.shutdown()
    }
}

/// Deadlines timed against the clock: run alone (`scripts/test`), since a machine loaded by
/// the other suites delays every timer.
@Suite struct PostgresDeadlineTests {
    @Test func anUnreachableServerIsUnavailableWithinTheDeadline() async throws {
        let url = try PostgresURL("postgres://nobody:nothing@127.0.0.1:1/none?sslmode=disable")
        let index = PostgresAvatarIndex(url: url, maxConnections: 2, timeout: .seconds(1), logger: Logger(label: "down"))
        let running = Task { try await index.run() }
        defer { running.cancel() }
        let started = ContinuousClock.now
        await #expect(throws: AvatarError.self) { try await index.record(for: AvatarHash(String(repeating: "e", count: 32))!) }
        await #expect(throws: AvatarError.self) { try await index.checkReady() }
        // Two 1 s deadlines; the bound leaves room for a loaded 2-core machine, and is still
        // far below postgres-nio's own wait for a connection.
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
