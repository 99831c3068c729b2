import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The page at `/` (`ui.enabled`) and `/upload/limits`.
@Suite struct UIPagesTests {
    @Test func theOperatorPageDrawsEveryDefaultFromThisOriginOnly() async throws {
        try await LiveServer().run { client, _ in
            let page = try await client.get("/")
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.cacheControl] == "no-cache")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe"))
            let html = String(buffer: page.body)
            for keyword in ["mp", "identicon", "monsterid", "wavatar", "robohash", "retro", "blank", "initials", "color"] {
                #expect(html.contains("d=\(keyword)&amp;"), "the row shows \(keyword)")
            }
            // Every image and stylesheet the page names is on this origin, and answers.
            let sources = html.matches(of: /(?:src|href)="([^"]+)"/).map { String($0.output.1) }
            #expect(sources.count == 10, "\(sources)")
            for source in sources {
                #expect(source.hasPrefix("/") && !source.hasPrefix("//"), "\(source) is on this origin")
                let answer = try await client.get(source.replacingOccurrences(of: "&amp;", with: "&"))
                #expect(answer.status == .ok, "\(source)")
                #expect(answer.headers[.contentType]?.hasPrefix(source.hasSuffix(".css") ? "text/css" : "image/") == true, "\(source)")
            }
            #expect(try await client.executeRequest(uri: "/", method: .head, headers: [:], body: nil).status == .ok)
        }
    }

    @Test func theUploadPageCarriesItsPolicyAndTellsOnlyItsOrigins() async throws {
        try await LiveServer().run { client, _ in
            let page = try await client.get("/upload")
            #expect(page.status == .ok && page.headers[.cacheControl] == "no-cache")
            #expect(page.headers[.contentSecurityPolicy]
                == "default-src 'self'; img-src 'self' blob: data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
            #expect(String(buffer: page.body).contains(#"<meta name="avatars-embed-origins" content="">"#))
            #expect(try await client.get("/ui/upload.js").headers[.contentType] == "text/javascript; charset=utf-8")
        }
        let origins = "https://app.example.com,http://localhost:8000"
        try await LiveServer(["AVATARS_UI_EMBED_ORIGINS": origins]).run { client, _ in
            let page = try await client.get("/upload")
            #expect(page.headers[.contentSecurityPolicy]?.hasSuffix("frame-ancestors https://app.example.com http://localhost:8000") == true)
            #expect(String(buffer: page.body).contains(#"content="https://app.example.com http://localhost:8000""#))
        }
    }

    @Test(arguments: ["*", "https://a.example.com/path", "https://a.example.com; script-src *", "ftp://a.example.com",
                      "https://", "https://a.example.com?x", "https://user@a.example.com", "'self'", "https://a.example.com:99999"])
    func embedOriginsAreOriginsOnly(origin: String) async throws {
        let server = try LiveServer(["AVATARS_UI_EMBED_ORIGINS": origin])
        await #expect(throws: (any Error).self, "\(origin)") { try await server.run { _, _ in } }
    }

    @Test func offThePagesAre404JSONAndTheLimitsStay() async throws {
        try await LiveServer(["AVATARS_UI_ENABLED": "false", "AVATARS_IMAGES_MAX_PIXELS": "1234567"]).run { client, _ in
            for path in ["/", "/upload", "/ui/site.css", "/ui/upload.js"] {
                let answer = try await client.get(path)
                #expect(answer.status == .notFound && answer.headers[.contentType]?.hasPrefix("application/json") == true, "\(path)")
                #expect(answer.json["error"] as? String == "not_found")
            }
            let limits = try await client.get("/upload/limits")
            #expect(limits.status == .ok)
            #expect(limits.json["maxUploadBytes"] as? Int == 512 * 1024, "the suite's images.maxUploadBytes")
            #expect(limits.json["maxPixels"] as? Int == 1_234_567)
            #expect((limits.json["types"] as? [String])?.contains("image/jpeg") == true)
        }
    }
}
