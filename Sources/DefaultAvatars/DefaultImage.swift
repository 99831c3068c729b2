/// What a request gets instead of an avatar (`d` / `default`): when the hash is unknown,
/// rated above the request, or `f=y` forces it.
public enum DefaultImage: Sendable, Equatable {
    /// A plain `404`.
    case notFound
    /// A `302` to a URL the server never fetches.
    case redirect(String)
    /// An image drawn by the server, deterministic from the hash (and the text).
    case generated(GeneratedDefault)
}

/// The images the server draws itself.
public enum GeneratedDefault: Sendable, Equatable {
    case mysteryPerson
    case identicon
    case monster
    case wavatar
    case robot
    case retro
    case blank
    case initials(String)
    case color

    /// One of each kind, in the order pages show them (initials of a sample name).
    public static let showcase: [GeneratedDefault] = [
        .mysteryPerson, .identicon, .monster, .wavatar, .robot, .retro, .blank, .initials("Jane Doe"), .color,
    ]

    /// The `d` keyword that names it.
    public var keyword: String {
        switch self {
        case .mysteryPerson: "mp"
        case .identicon: "identicon"
        case .monster: "monsterid"
        case .wavatar: "wavatar"
        case .robot: "robohash"
        case .retro: "retro"
        case .blank: "blank"
        case .initials: "initials"
        case .color: "color"
        }
    }

    /// Whether the drawing differs from hash to hash. One that does not is one render and
    /// one entity tag per size and format, whatever hash asks for it.
    public var dependsOnHash: Bool {
        switch self {
        case .mysteryPerson, .blank: false
        case .identicon, .monster, .wavatar, .robot, .retro, .initials, .color: true
        }
    }
}

extension DefaultImage {
    /// Parses a `d` value. Keywords are matched case-insensitively; `nil` means the value
    /// is no keyword and no URL (the server's default applies). Values that look like a URL
    /// (`:` or `/`) but are not a safe http(s) URL are refused.
    public static func parse(_ value: String, initials: String?, name: String?) throws(InvalidDefault) -> DefaultImage? {
        switch value.lowercased() {
        case "404": return .notFound
        case "mp", "mm": return .generated(.mysteryPerson)
        case "identicon": return .generated(.identicon)
        case "monsterid": return .generated(.monster)
        case "wavatar": return .generated(.wavatar)
        case "robohash": return .generated(.robot)
        case "retro": return .generated(.retro)
        case "blank": return .generated(.blank)
        case "color": return .generated(.color)
        case "initials": return .generated(.initials(Initials.from(initials: initials, name: name)))
        default: break
        }
        guard value.contains(":") || value.contains("/") || value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        return .redirect(try redirectURL(value))
    }

    /// At most 2,048 characters, `http` or `https` with a host, no control characters or spaces.
    static func redirectURL(_ value: String) throws(InvalidDefault) -> String {
        guard value.utf8.count <= 2048 else { throw InvalidDefault(reason: "the default URL is longer than 2048 characters") }
        guard !value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw InvalidDefault(reason: "the default URL contains control characters or spaces")
        }
        let lower = value.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw InvalidDefault(reason: "a default URL must be http or https")
        }
        let afterScheme = value[value.index(value.firstIndex(of: ":")!, offsetBy: 3)...]
        let host = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !host.isEmpty, !host.hasPrefix("@") else { throw InvalidDefault(reason: "the default URL has no host") }
        return value
    }
}

/// A `d` value that is neither a keyword nor a safe URL.
public struct InvalidDefault: Error, Sendable, Equatable {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }
}
