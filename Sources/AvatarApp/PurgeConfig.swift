import AvatarHTTP
import Foundation
import HTTPTypes
import Purges

extension AppConfig {
    /// `purge.*`: cache-key headers, targets, the webhook secret and how long purges are retried.
    mutating func readPurges(_ values: ConfigValues) throws(ConfigFailure) {
        if let names = try values.optionalString("purge.keyHeaders") {
            http.cacheKeyHeaders = try Self.list(names).map { (name) throws(ConfigFailure) in
                guard let field = HTTPField.Name(name), !Self.answerHeaders.contains(field.canonicalName) else {
                    throw ConfigFailure(key: "purge.keyHeaders", reason: "\"\(name)\" is not a header name a key may take")
                }
                return field
            }
        }
        var targets: [PurgeTarget] = []
        for base in Self.list(try values.string("purge.varnish", default: "")) {
            targets.append(.varnish(base: try Self.url(base, key: "purge.varnish")))
        }
        if let serviceID = try values.optionalString("purge.fastly.serviceId") {
            let token = try Self.token(try values.optionalString("purge.fastly.token"), key: "purge.fastly.token")
            let api = try Self.url(
                try values.string("purge.fastly.apiURL", default: "https://api.fastly.com"), key: "purge.fastly.apiURL")
            targets.append(.fastly(serviceID: try Self.pathSegment(serviceID, key: "purge.fastly.serviceId"), token: token, api: api))
        }
        if let zoneID = try values.optionalString("purge.cloudflare.zoneId") {
            let token = try Self.token(try values.optionalString("purge.cloudflare.token"), key: "purge.cloudflare.token")
            let api = try Self.url(
                try values.string("purge.cloudflare.apiURL", default: "https://api.cloudflare.com"),
                key: "purge.cloudflare.apiURL")
            targets.append(
                .cloudflare(zoneID: try Self.pathSegment(zoneID, key: "purge.cloudflare.zoneId"), token: token, api: api))
        }
        let webhooks = Self.list(try values.string("purge.webhooks", default: ""))
        for hook in webhooks { targets.append(.webhook(try Self.url(hook, key: "purge.webhooks"))) }
        // A target named twice would get each change twice (and two rows with one key).
        var seen: Set<String> = []
        purge.targets = targets.filter { seen.insert($0.name).inserted }
        let secret = try values.string("purge.webhookSecret", default: "")
        if !webhooks.isEmpty, secret.utf8.count < 16 {
            throw ConfigFailure(key: "purge.webhookSecret", reason: "webhooks need a secret of at least 16 bytes")
        }
        purge.webhookSecret = Array(secret.utf8)
        let sMaxAge = Self.sMaxAge(of: http.cacheControl.unversioned) ?? Int(purge.maxAge.components.seconds)
        purge.maxAge = .seconds(try values.int("purge.maxAgeSeconds", default: sMaxAge, in: 1...(365 * 86_400)))
    }

    /// Headers the answer decision sets itself: a cache key never replaces one.
    static let answerHeaders: Set<String> = [
        "content-length", "content-type", "cache-control", "etag", "last-modified", "location", "date", "server",
        "connection", "transfer-encoding", "vary", "x-origin-cache",
    ]

    /// An API token, which goes into a request header as it is.
    private static func token(_ text: String?, key: String) throws(ConfigFailure) -> String {
        guard let text, !text.isEmpty, text.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 >= 0x21 && $0 < 0x7f } == true })
        else { throw ConfigFailure(key: key, reason: "an API token of visible ASCII characters is needed") }
        return text
    }

    /// A comma- or space-separated list, as environment variables carry one.
    static func list(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }

    private static func url(_ text: String, key: String) throws(ConfigFailure) -> URL {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
        else { throw ConfigFailure(key: key, reason: "\"\(text)\" is not an http or https URL") }
        return url
    }

    /// An identifier that goes into a URL path as it is.
    private static func pathSegment(_ text: String, key: String) throws(ConfigFailure) -> String {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw ConfigFailure(key: key, reason: "\"\(text)\" is not an identifier") }
        return text
    }

    /// The `s-maxage` of a `Cache-Control` value.
    static func sMaxAge(of cacheControl: String) -> Int? {
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "s-maxage", let seconds = Int(parts[1]), seconds > 0 {
                return seconds
            }
        }
        return nil
    }
}
