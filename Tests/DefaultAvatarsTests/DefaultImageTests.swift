import DefaultAvatars
import Testing

@Suite struct DefaultImageTests {
    @Test func keywordsAndAliases() throws {
        #expect(try DefaultImage.parse("404", initials: nil, name: nil) == .notFound)
        #expect(try DefaultImage.parse("MM", initials: nil, name: nil) == .generated(.mysteryPerson))
        #expect(try DefaultImage.parse("mp", initials: nil, name: nil) == .generated(.mysteryPerson))
        #expect(try DefaultImage.parse("robohash", initials: nil, name: nil) == .generated(.robot))
        #expect(try DefaultImage.parse("sparkles", initials: nil, name: nil) == nil)
        #expect(try DefaultImage.parse("", initials: nil, name: nil) == nil)
    }

    @Test func initialsComeFromInitialsThenFirstAndLastNameWords() throws {
        #expect(try DefaultImage.parse("initials", initials: "ab", name: "Jane Doe") == .generated(.initials("AB")))
        #expect(try DefaultImage.parse("initials", initials: nil, name: "jane q. doe") == .generated(.initials("JD")))
        #expect(try DefaultImage.parse("initials", initials: nil, name: "Cher") == .generated(.initials("C")))
        #expect(try DefaultImage.parse("initials", initials: "  ", name: nil) == .generated(.initials("")))
    }

    /// Only letters and digits are drawn: controls (which no SVG may hold), markup,
    /// punctuation, symbols and invisible characters are dropped.
    @Test(arguments: [
        ("\u{01}", ""), ("a\u{0}b", "AB"), ("<b>", "B"), ("\u{200B}z\u{FEFF}", "Z"), ("é", "É"),
        ("😀x", "X"), ("\u{7F}\u{1B}[31m", "31M"), ("ab\u{0301}", "AB\u{0301}"),
    ])
    func initialsKeepOnlyLettersAndDigits(given: String, drawn: String) throws {
        #expect(try DefaultImage.parse("initials", initials: given, name: nil) == .generated(.initials(drawn)))
        #expect(try DefaultImage.parse("initials", initials: nil, name: "\u{01}\u{02} \u{03}") == .generated(.initials("")))
    }

    @Test func urls() throws {
        #expect(try DefaultImage.parse("https://example.com/a.png", initials: nil, name: nil) == .redirect("https://example.com/a.png"))
        for bad in ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "https://a.b/\r\nX: y", "http://", "a/b"] {
            #expect(throws: InvalidDefault.self, "\(bad)") { try DefaultImage.parse(bad, initials: nil, name: nil) }
        }
    }

    @Test func artIsDeterministicPerHashAndEscapesText() {
        let a = DefaultArt.svg(.identicon, hash: "0123456789abcdef0123456789abcdef", size: 80)
        #expect(a == DefaultArt.svg(.identicon, hash: "0123456789abcdef0123456789abcdef", size: 80))
        #expect(a != DefaultArt.svg(.identicon, hash: "ffffffffffffffffffffffffffffffff", size: 80))
        #expect(a.contains(#"width="80" height="80""#))
        let text = DefaultArt.svg(.initials("<&"), hash: "00000000000000000000000000000000", size: 10)
        #expect(text.contains("&lt;&amp;") && !text.contains("<&"))
    }
}
