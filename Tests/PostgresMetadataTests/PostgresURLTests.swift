import PostgresMetadata
import Testing

@Suite struct PostgresURLTests {
    @Test func parsesEveryPart() throws {
        let url = try PostgresURL("postgres://avatar%40user:p%3Ass%2Fw@db.example.com:6543/avatars%20prod?sslmode=require")
        #expect(url.username == "avatar@user" && url.password == "p:ss/w")
        #expect(url.host == "db.example.com" && url.port == 6543)
        #expect(url.database == "avatars prod" && url.sslMode == .require)
    }

    @Test func defaultsAndAlternatives() throws {
        let plain = try PostgresURL("postgresql://u@localhost")
        #expect(plain.port == 5432 && plain.password == nil && plain.database == nil && plain.sslMode == .prefer)
        #expect(try PostgresURL("postgres://u:@h/db?sslmode=disable").sslMode == .disable)
        #expect(try PostgresURL("postgres://u:pw@h/db?sslmode=verify-full").sslMode == .verifyFull)
        let ipv6 = try PostgresURL("postgres://u:pw@[::1]:5433/db")
        #expect(ipv6.host == "::1" && ipv6.port == 5433)
    }

    @Test(arguments: [
        "", "not a url", "mysql://u:p@h/db", "postgres://h/db", "postgres://u@/db", "postgres://u@h:99999/db",
        "postgres://u@h/db?sslmode=allow", "postgres://u@h/db?sslmode=",
    ])
    func refusesMalformedURLs(text: String) {
        #expect(throws: PostgresURL.Invalid.self) { try PostgresURL(text) }
    }
}
