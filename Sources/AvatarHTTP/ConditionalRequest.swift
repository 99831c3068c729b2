import Foundation
import HTTPTypes
import NIOHTTP1

/// A GET or HEAD's `If-None-Match` and `If-Modified-Since` (RFC 9110 section 13), read
/// from either header type, and whether they make a `304`.
package struct ConditionalRequest: Sendable, Equatable {
    var ifNoneMatch: [String]
    var ifModifiedSince: String?

    package init(ifNoneMatch: [String] = [], ifModifiedSince: String? = nil) {
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
    }

    /// A repeated `If-Modified-Since` counts by its first line, as from `HTTPHeaders`.
    init(_ fields: HTTPFields) {
        self.init(ifNoneMatch: fields[values: .ifNoneMatch], ifModifiedSince: fields[values: .ifModifiedSince].first)
    }

    init(_ headers: HTTPHeaders) {
        self.init(ifNoneMatch: headers["If-None-Match"], ifModifiedSince: headers.first(name: "If-Modified-Since"))
    }

    /// Whether the request carries either condition.
    var isEmpty: Bool { ifNoneMatch.isEmpty && ifModifiedSince == nil }

    /// Whether the client's copy, of `entityTag` last modified at `lastModified`, is current.
    package func isNotModified(entityTag: String, lastModified: Date?) -> Bool {
        if let ifNoneMatch = ifNoneMatch.joined(separator: ",").nilIfEmpty {
            // With If-None-Match present, If-Modified-Since is ignored; matching is weak.
            let tags = ifNoneMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return tags.contains { $0 == "*" || Self.strippingWeakness($0) == Self.strippingWeakness(entityTag) }
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
