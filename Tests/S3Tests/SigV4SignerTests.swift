import Foundation
import S3
import Testing

/// AWS's published S3 Signature Version 4 examples (header-based auth), byte for byte.
@Suite struct SigV4SignerTests {
    let signer = SigV4Signer(
        credentials: S3Credentials(
            accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    let host = "examplebucket.s3.amazonaws.com"
    let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    func signature(_ headers: [(String, String)]) -> String? {
        headers.first { $0.0 == "authorization" }?.1.components(separatedBy: "Signature=").last
    }

    @Test func getObjectWithRange() {
        let headers = signer.sign(
            method: "GET", host: host, path: "/test.txt", headers: [("Range", "bytes=0-9")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(signature(headers) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        let authorization = headers.first { $0.0 == "authorization" }!.1
        #expect(authorization.hasPrefix(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "))
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
    }

    @Test func putObjectWithAReservedCharacterInTheKey() {
        let payload = Array("Welcome to Amazon S3.".utf8)
        let payloadHash = SigV4Signer.hexSHA256(payload)
        #expect(payloadHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let extra = [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")]
        let headers = signer.sign(
            method: "PUT", host: host, path: "/test$file.text", headers: extra, payloadHash: payloadHash, date: date)
        #expect(signature(headers) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        let canonical = signer.canonicalRequest(
            method: "PUT", path: "/test$file.text", query: [],
            headers: extra + [("host", host), ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", payloadHash)],
            payloadHash: payloadHash)
        #expect(canonical.request.hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(canonical.signedHeaders == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")
    }

    @Test func getBucketLifecycle() {
        let headers = signer.sign(
            method: "GET", host: host, path: "/", query: [("lifecycle", "")], payloadHash: SigV4Signer.emptyPayloadHash,
            date: date)
        #expect(signature(headers) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjectsWithASortedQuery() {
        let headers = signer.sign(
            method: "GET", host: host, path: "/", query: [("prefix", "J"), ("max-keys", "2")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(signature(headers) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func sessionTokensAreSignedHeaders() {
        let temporary = SigV4Signer(
            credentials: S3Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret", sessionToken: "tok en"),
            region: "eu-west-1")
        let headers = temporary.sign(method: "GET", host: host, path: "/k", payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(headers.contains { $0 == ("x-amz-security-token", "tok en") })
        #expect(headers.first { $0.0 == "authorization" }!.1.contains(
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"))
        #expect(headers.first { $0.0 == "authorization" }!.1.contains("/20130524/eu-west-1/s3/aws4_request"))
    }

    @Test func uriEncodingFollowsTheSpec() {
        #expect(SigV4Signer.encode("a b", keepSlash: false) == "a%20b")
        #expect(SigV4Signer.encode("a+b", keepSlash: false) == "a%2Bb")
        #expect(SigV4Signer.encode("100%", keepSlash: false) == "100%25")
        #expect(SigV4Signer.encode("ключ", keepSlash: false) == "%D0%BA%D0%BB%D1%8E%D1%87")
        #expect(SigV4Signer.encode("a/b", keepSlash: true) == "a/b")
        #expect(SigV4Signer.encode("a/b", keepSlash: false) == "a%2Fb")
        #expect(SigV4Signer.encode("A-z_0.9~", keepSlash: false) == "A-z_0.9~")
        #expect(SigV4Signer.encode("=&?*", keepSlash: false) == "%3D%26%3F%2A")
        let canonical = signer.canonicalRequest(
            method: "GET", path: "/my key+1/é", query: [("b", "2 3"), ("a+", "x/y"), ("a", "1")], headers: [("Host", "h")],
            payloadHash: "UNSIGNED")
        #expect(canonical.request == "GET\n/my%20key%2B1/%C3%A9\na=1&a%2B=x%2Fy&b=2%203\nhost:h\n\nhost\nUNSIGNED")
    }
}
