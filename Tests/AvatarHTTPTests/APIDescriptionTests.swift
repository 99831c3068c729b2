import AvatarApp
import AvatarTestSupport
import Logging
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The OpenAPI document in the repository is the one served, and it names exactly the
/// routes the router answers, each with its error body.
@Suite struct APIDescriptionTests {
    static var repositoryCopy: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/AvatarHTTP/openapi.json")
    }

    @Test func theRoutesAndTheDocumentAgree() async throws {
        let server = try LiveServer()
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.repositoryCopy)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods = ["get", "head", "put", "post", "patch", "delete", "options"]
        let documented = Set(paths.flatMap { path, item in
            item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
        })
        let app = try await AvatarApplication(
            config: try await AppConfig.load(file: "/nonexistent/avatars.json", required: false, environment: server.environment),
            logger: Logger(label: "api-description-test"))
        let routes = app.routes
        try await app.close()
        let served = try await server.run { client, _ in
            let answer = try await client.get("/openapi.json")
            #expect(answer.status == .ok && answer.headers[.contentType] == "application/json")
            return answer.bytes
        }
        #expect(served == Array(try Data(contentsOf: Self.repositoryCopy)), "the served document is the repository's")
        #expect(Set(routes) == documented, "router only: \(Set(routes).subtracting(documented)); document only: \(documented.subtracting(routes))")

        // Every operation documents its failures with the one error body.
        for (path, item) in paths {
            for (method, operation) in item where methods.contains(method) {
                let responses = try #require((operation as? [String: Any])?["responses"] as? [String: Any], "\(method) \(path)")
                for (status, response) in responses where status.hasPrefix("4") || status.hasPrefix("5") {
                    guard method != "head" else { continue }
                    let content = (response as? [String: Any])?["content"] as? [String: Any]
                    let schema = (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                    #expect(schema?["$ref"] as? String == "#/components/schemas/Error", "\(method) \(path) \(status)")
                }
            }
        }
    }
}
