import Foundation

/// An origin the upload page may be framed by and posts to (`ui.embedOrigins`). It is
/// written into a Content-Security-Policy and used as a `postMessage` target, so only a bare
/// `http(s)://host[:port]` passes: no path, no wildcard, nothing a header could be split on.
enum EmbedOrigin {
    /// `text` as an origin (scheme and host lower-cased), or `nil` when it is not one.
    static func validated(_ text: String) -> String? {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:/[]")
        guard text.unicodeScalars.allSatisfy(allowed.contains), let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host?.lowercased(), !host.isEmpty,
            components.path.isEmpty, components.query == nil, components.fragment == nil, components.user == nil
        else { return nil }
        let port = components.port.map { ":\($0)" } ?? ""
        guard components.port.map({ (1...65535).contains($0) }) ?? true else { return nil }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart)\(port)"
    }
}
