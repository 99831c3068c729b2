import Foundation
import HTTPTypes
import NIOHTTP1

/// Evaluates `If-None-Match` and `If-Modified-Since` (RFC 9110 section 13) for a GET or
/// HEAD: whether the client's copy is current and a `304` will do.
enum ConditionalRequest {
    static func isNotModified(_ headers: HTTPFields, entityTag: String, lastModified: Date?) -> Bool {
        isNotModified(
            ifNoneMatch: headers[values: .ifNoneMatch], ifModifiedSince: headers[.ifModifiedSince], entityTag: entityTag,
            lastModified: lastModified)
    }

    static func isNotModified(_ headers: HTTPHeaders, entityTag: String, lastModified: Date?) -> Bool {
        isNotModified(
            ifNoneMatch: headers["If-None-Match"], ifModifiedSince: headers.first(name: "If-Modified-Since"),
            entityTag: entityTag, lastModified: lastModified)
    }

    private static func isNotModified(
        ifNoneMatch: [String], ifModifiedSince: String?, entityTag: String, lastModified: Date?
    ) -> Bool {
        if !ifNoneMatch.isEmpty, let ifNoneMatch = ifNoneMatch.joined(separator: ",").nilIfEmpty {
            // With If-None-Match present, If-Modified-Since is ignored; matching is weak.
            let tags = ifNoneMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return tags.contains { $0 == "*" || strippingWeakness($0) == strippingWeakness(entityTag) }
        }
        if let lastModified, let since = ifModifiedSince.flatMap(HTTPDate.parse) {
            return lastModified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        }
        return false
    }

    private static func strippingWeakness(_ tag: some StringProtocol) -> Substring {
        let tag = Substring(tag)
        return tag.hasPrefix("W/") ? tag.dropFirst(2) : tag
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
