import Foundation

/// Reads the few values we need from S3's XML answers (error codes, listed keys)
/// without a full XML parser.
enum S3XML {
    /// The text of every `<name>...</name>` element, entities decoded.
    static func values(of name: String, in xml: some StringProtocol) -> [String] {
        elements(name, in: xml).map(decode)
    }

    /// The raw content of every `<name>...</name>` element, for reading the elements inside it.
    static func elements(_ name: String, in xml: some StringProtocol) -> [Substring] {
        var elements: [Substring] = []
        var rest = Substring(xml)
        while let open = rest.range(of: "<\(name)>"), let close = rest[open.upperBound...].range(of: "</\(name)>") {
            elements.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return elements
    }

    private static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
