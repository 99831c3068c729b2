import Foundation
import Testing

@testable import S3

@Suite struct S3AddressingTests {
    let credentials = S3Credentials(accessKeyId: "a", secretAccessKey: "b")

    @Test func awsDefaultsToVirtualHostedAddressingInTheRegion() {
        var settings = S3Settings(endpoint: nil, bucket: "my-bucket", credentials: credentials)
        settings.region = "eu-central-1"
        #expect(settings.pathStyle == false)
        let object = settings.location(of: "avatars/abc/v1")
        #expect(object.base == "https://my-bucket.s3.eu-central-1.amazonaws.com")
        #expect(object.host == "my-bucket.s3.eu-central-1.amazonaws.com")
        #expect(object.path == "/avatars/abc/v1")
        #expect(settings.location(of: nil).path == "/")
    }

    @Test func anEndpointDefaultsToPathStyle() {
        let settings = S3Settings(endpoint: URL(string: "http://127.0.0.1:9000")!, bucket: "b", credentials: credentials)
        #expect(settings.pathStyle)
        let object = settings.location(of: "k")
        #expect(object.base == "http://127.0.0.1:9000" && object.host == "127.0.0.1:9000" && object.path == "/b/k")
        #expect(settings.location(of: nil).path == "/b")
        let virtual = S3Settings(
            endpoint: URL(string: "https://r2.example.com")!, bucket: "b", credentials: credentials, pathStyle: false)
        #expect(virtual.location(of: "k").host == "b.r2.example.com")
    }
}
