import AvatarCore
import Testing

@testable import AvatarApp

/// The pure parts of `avatars import`: RFC 4180 records, keys and the progress line.
@Suite struct ImportPartsTests {
    @Test func recordsFollowRFC4180() throws {
        #expect(try ManifestCSV.records("key,path\r\na,b\r\n") == [["key", "path"], ["a", "b"]])
        #expect(try ManifestCSV.records("key,path\na,b") == [["key", "path"], ["a", "b"]], "LF and no final break")
        #expect(try ManifestCSV.records(#"k,"1,2,3,4","say ""hi""",""\#r\#n"#) == [["k", "1,2,3,4", #"say "hi""#, ""]])
        #expect(try ManifestCSV.records("\"two\nlines\",x\n") == [["two\nlines", "x"]])
        #expect(try ManifestCSV.records("a,,\n") == [["a", "", ""]])
        #expect(try ManifestCSV.records("") == [])
        for malformed in ["\"open", "a\"b,c", "\"closed\"after,x", "x,\"y\"z"] {
            #expect(throws: ManifestCSV.Malformed.self, "\(malformed)") { try ManifestCSV.records(malformed) }
        }
        #expect(throws: ManifestCSV.Malformed(line: 2, reason: "a quoted field is never closed")) {
            try ManifestCSV.records("ok\n\"never closed\n")
        }
    }

    @Test func keysAreHashesOrAddressesWithOneAt() {
        #expect(ImportKey("0123456789ABCDEF0123456789ABCDEF") == .hash(AvatarHash("0123456789abcdef0123456789abcdef")!))
        #expect(ImportKey("jane@example.com") == .address("jane@example.com"))
        for invalid in ["", "0123", "a@b@c", "no-at-sign", String(repeating: "a", count: 33)] {
            #expect(ImportKey(invalid) == .invalid, "\(invalid)")
        }
    }

    @Test func progressReadsAsABarOrAPlainLine() {
        var counts = ImportProgress.Counts(total: 100)
        counts.imported = 40
        counts.skipped = 5
        counts.failed = 5
        #expect(ImportProgress.line(counts, seconds: 10, bar: true)
            == "[###############...............] 50/100  5.0 files/s  ETA 10 s  5 failed")
        #expect(ImportProgress.line(counts, seconds: 10, bar: false)
            == "import: 50/100 done (40 imported, 5 skipped, 5 failed), 5.0 files/s, ETA 10 s")
        #expect(ImportProgress.line(ImportProgress.Counts(total: 3), seconds: 0, bar: true).hasSuffix("ETA ?  0 failed"))
    }
}
