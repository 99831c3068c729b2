import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Every file in `fixtures/hostile/` (made by `fixtures/generate.py hostile`) uploaded to a
/// live server: the status `expected.json` names, never a 5xx; a refused file leaves nothing
/// in the store or the metadata; an accepted one renders with its metadata stripped; the
/// server answers `/healthz` after each.
@Suite struct HostileCorpusTests {
    static let expected: [String: Int] = {
        let data = (try? Fixtures.bytes("hostile/expected.json")) ?? []
        return (try? JSONDecoder().decode([String: Int].self, from: Data(data))) ?? [:]
    }()

    @Test func theCorpusCoversWhatTheIssueLists() {
        let statuses = Dictionary(grouping: Self.expected.keys, by: { Self.expected[$0]! })
        #expect(statuses[415]?.count ?? 0 >= 10 && statuses[422]?.count ?? 0 >= 20)
        #expect(statuses[400]?.count == 1 && statuses[201]?.count == 2)
        let names = Set(Self.expected.keys)
        for prefix in ["tiff", "psd", "bmp", "ico", "jxl", "pdf", "svg", "mp4-ftyp", "polyglot-ftyp-svg", "polyglot-ftyp-pdf",
            "polyglot-jpeg-svg", "polyglot-gif-html", "png-65535", "webp-16383", "avif-huge-ispe", "gif-10000", "gif-2000",
            "truncated-jpg", "truncated-png", "truncated-gif", "truncated-webp", "truncated-avif", "jpeg-scan-bomb",
            "empty", "jpeg-1mib-of-appn", "jpeg-4mib-icc"]
        {
            #expect(names.contains { $0.hasPrefix(prefix) }, "no hostile file for \(prefix)")
        }
    }

    @Test func everyHostileFileGetsItsStatusAndLeavesNothingBehind() async throws {
        let server = try LiveServer(["AVATARS_IMAGES_MAX_UPLOAD_BYTES": String(10 << 20)])
        let hash = TestHashes.md5
        try await server.run { client, tokens in
            for (name, status) in Self.expected.sorted(by: { $0.key < $1.key }) {
                let bytes = try Fixtures.bytes("hostile/\(name)")
                let response = try await client.upload(bytes, to: hash, tokens: tokens)
                #expect(response.status.code == status, "\(name): \(response.status) \(String(buffer: response.body))")
                #expect(response.status.code < 500, "\(name)")
                #expect(try await client.get("/healthz").status == .ok, "\(name)")
                if (200..<300).contains(response.status.code) {
                    let render = try await client.get("/\(hash.value).jpg?s=64")
                    #expect(render.status == .ok, "\(name)")
                    let body = render.bytes
                    #expect(body.count < 16_384, "\(name): a render of \(body.count) bytes keeps metadata")
                    #expect(!body.contains(subsequence: Array("ICC_PROFILE".utf8)) && !body.contains(subsequence: Array("Exif".utf8)))
                    let token = try await tokens.token(for: hash, ttl: 60)
                    _ = try await client.executeRequest(
                        uri: "/\(hash.value)", method: .delete, headers: [.authorization: "Bearer \(token)"], body: nil)
                }
                #expect(try await client.get("/\(hash.value)?s=20").status == .notFound, "\(name) left a record")
                #expect(server.originalFiles.isEmpty, "\(name) left \(server.originalFiles)")
            }
        }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { self[$0..<$0 + subsequence.count].elementsEqual(subsequence) }
    }
}
