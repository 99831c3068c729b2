import DefaultAvatars
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `d`, `initials` and `name` values: refused, or drawn as SVG that is well-formed XML
/// (so no text can break out of the document libvips is given).
enum GeneratedDefaultFuzzing {
    static let hash = "0123456789abcdef0123456789abcdef"

    static func run(_ bytes: [UInt8]) {
        let fields = bytes.fields(3)
        guard case .generated(let kind)? = try? DefaultImage.parse(fields[0], initials: fields[1], name: fields[2]) else {
            return
        }
        checkWellFormed(DefaultArt.svg(kind, hash: hash, size: 80))
    }

    static func checkWellFormed(_ svg: String) {
        let parser = XMLParser(data: Data(svg.utf8))
        precondition(parser.parse(), "not well-formed: \(svg)")
    }
}
