import AvatarCore
import AvatarService
import DefaultAvatars
import Foundation
import HTTPTypes
import NIOCore
import RenderPipeline
import Testing

@testable import AvatarHTTP

/// The one decision, without I/O: every kind of answer from a shown image and a render.
@Suite struct AnswerDecisionTests {
    let decision = AnswerDecision(settings: HTTPSettings(), serverName: "avatars")
    let record = AvatarRecord(
        hash: TestHashes.md5, version: "v1", format: .jpeg, width: 10, height: 10, bytes: 100, rating: .g,
        createdAt: Date(timeIntervalSince1970: 1_000_000), updatedAt: Date(timeIntervalSince1970: 2_000_000))
    let parameters = RenderParameters(size: 10, format: .png, quality: 80, avifEffort: 2)
    let rendered = RenderedAvatar(bytes: ByteBuffer(string: "png!"), contentType: "image/png", source: .cache)

    func question(isHead: Bool = false, conditions: ConditionalRequest = .init(), version: String? = nil)
        -> AvatarQuestion
    {
        AvatarQuestion(
            request: RenderRequest(
                hash: TestHashes.md5, format: .png, size: 10, version: version, defaultImage: .notFound,
                forceDefault: false, rating: .g),
            isHead: isHead, conditions: conditions)
    }

    func answer(_ outcome: AnswerDecision.Outcome) throws -> AvatarAnswer {
        guard case .answer(let answer) = outcome else { throw Unanswered() }
        return answer
    }

    struct Unanswered: Error {}

    @Test func anAvatarNeedsItsRenderThenAnswersWithEveryHeader() throws {
        let shown = ShownImage.avatar(record, parameters)
        #expect(decision.decide(question(), shown: shown, rendered: nil, recordsMayLag: false) == .needsRender)
        let ok = try answer(decision.decide(question(), shown: shown, rendered: rendered, recordsMayLag: false))
        #expect(ok.status == .ok && ok.body == rendered.bytes)
        #expect(ok.fields[.eTag] == "\"v1-\(parameters.fingerprint)\"")
        #expect(ok.fields[.contentLength] == "4" && ok.fields[.contentType] == "image/png")
        #expect(ok.fields[.lastModified] == HTTPDate.format(record.updatedAt))
        #expect(ok.fields[.cacheControl] == HTTPSettings().cacheControl.unversioned)
        #expect(ok.fields[.server] == "avatars" && ok.fields[.accessControlAllowOrigin] == "*")
        #expect(ok.fields[HTTPField.Name("X-Origin-Cache")!] == "HIT" && ok.fields[.date] == nil)
        let versioned = try answer(decision.decide(question(version: "v1"), shown: shown, rendered: rendered, recordsMayLag: false))
        #expect(versioned.fields[.cacheControl] == HTTPSettings().cacheControl.versioned)
    }

    @Test func aHeadHasTheSameFieldsAndNoBody() throws {
        let shown = ShownImage.avatar(record, parameters)
        let get = try answer(decision.decide(question(), shown: shown, rendered: rendered, recordsMayLag: false))
        let head = try answer(decision.decide(question(isHead: true), shown: shown, rendered: rendered, recordsMayLag: false))
        #expect(head.fields == get.fields && head.body == nil)
    }

    @Test func aCurrentCopyIsA304BeforeAnyRender() throws {
        let shown = ShownImage.avatar(record, parameters)
        for conditions in [
            ConditionalRequest(ifNoneMatch: ["\"x\", W/\"v1-\(parameters.fingerprint)\""]),
            ConditionalRequest(ifModifiedSince: HTTPDate.format(record.updatedAt)),
        ] {
            let notModified = try answer(decision.decide(question(conditions: conditions), shown: shown, rendered: nil, recordsMayLag: false))
            #expect(notModified.status == .notModified && notModified.body == nil)
            #expect(notModified.fields[.contentLength] == nil && notModified.fields[.eTag] != nil)
        }
        let stale = ConditionalRequest(ifNoneMatch: ["\"other\""])
        #expect(decision.decide(question(conditions: stale), shown: shown, rendered: nil, recordsMayLag: false) == .needsRender)
    }

    @Test func defaultsRedirectsAndNotFound() throws {
        let generated = ShownImage.generated(.identicon, TestHashes.md5, parameters)
        let image = try answer(decision.decide(question(), shown: generated, rendered: rendered, recordsMayLag: false))
        #expect(image.status == .ok && image.fields[.lastModified] == nil)
        #expect(image.fields[.cacheControl] == HTTPSettings().cacheControl.missing)
        let redirect = try answer(decision.decide(question(), shown: .redirect("https://example.com/a.png"), rendered: nil, recordsMayLag: false))
        #expect(redirect.status == .found && redirect.fields[.location] == "https://example.com/a.png")
        let missing = try answer(decision.decide(question(), shown: .notFound, rendered: nil, recordsMayLag: false))
        #expect(missing.status == .notFound && String(buffer: missing.body ?? ByteBuffer()).contains("not_found"))
        #expect(missing.fields[.contentLength] == String(missing.body?.readableBytes ?? -1))
        let missingHead = try answer(decision.decide(question(isHead: true), shown: .notFound, rendered: nil, recordsMayLag: false))
        #expect(missingHead.body == nil && missingHead.fields == missing.fields)
    }

    /// While the record may lag, shared caches keep what may change at most
    /// `sharedMaxAgeWhileLagging`; versioned bytes keep their year.
    @Test func aLaggingRecordCapsWhatSharedCachesKeep() throws {
        var settings = HTTPSettings()
        settings.sharedMaxAgeWhileLagging = 30
        let capped = AnswerDecision(settings: settings, serverName: "avatars")
        let shown = ShownImage.avatar(record, parameters)
        let lagging = try answer(capped.decide(question(), shown: shown, rendered: rendered, recordsMayLag: true))
        #expect(
            lagging.fields[.cacheControl]
                == "public, max-age=300, s-maxage=30, stale-while-revalidate=30, stale-if-error=30")
        let following = try answer(capped.decide(question(), shown: shown, rendered: rendered, recordsMayLag: false))
        #expect(following.fields[.cacheControl] == settings.cacheControl.unversioned)
        let versioned = try answer(
            capped.decide(question(version: "v1"), shown: shown, rendered: rendered, recordsMayLag: true))
        #expect(versioned.fields[.cacheControl] == settings.cacheControl.versioned)
        let missing = try answer(capped.decide(question(), shown: .notFound, rendered: nil, recordsMayLag: true))
        #expect(missing.fields[.cacheControl] == "public, max-age=300, s-maxage=30")
        let generated = ShownImage.generated(.identicon, TestHashes.md5, parameters)
        let image = try answer(capped.decide(question(), shown: generated, rendered: rendered, recordsMayLag: true))
        #expect(image.fields[.cacheControl] == "public, max-age=300, s-maxage=30")
        // Without a cap configured, lagging changes nothing.
        let uncapped = try answer(decision.decide(question(), shown: shown, rendered: rendered, recordsMayLag: true))
        #expect(uncapped.fields[.cacheControl] == HTTPSettings().cacheControl.unversioned)
    }

    @Test(arguments: [
        ("public, s-maxage=86400", "public, s-maxage=30"),
        ("public, s-maxage=10", "public, s-maxage=10"),
        ("public,max-age=600", "public, max-age=600, s-maxage=30"),
        ("public, max-age=20", "public, max-age=20"),
        ("private, max-age=600", "private, max-age=600"),
        ("no-store", "no-store"),
        ("public, S-MaxAge=99999999999999999999999", "public, s-maxage=30"),
        ("public", "public, s-maxage=30"),
        ("public, s-maxage=20, stale-if-error=86400", "public, s-maxage=20, stale-if-error=30"),
        ("public, s-maxage=-5", "public, s-maxage=30"),
    ])
    func sharedLifetimesAreCapped(value: String, capped: String) {
        #expect(CacheControlPolicy.sharedAtMost(30, value) == capped)
    }
}
