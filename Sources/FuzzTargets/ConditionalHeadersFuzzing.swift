import AvatarHTTP
import Foundation

/// `If-Modified-Since` and `If-None-Match` values: never a crash, and a date that parses
/// formats back to a date that parses to the same second.
enum ConditionalHeadersFuzzing {
    static func run(_ bytes: [UInt8]) {
        let fields = bytes.fields(2)
        if let date = HTTPDate.parse(fields[0]) {
            let again = HTTPDate.parse(HTTPDate.format(date))
            precondition(again == date, "\(fields[0]) does not round-trip")
        }
        let conditions = ConditionalRequest(ifNoneMatch: [fields[1]], ifModifiedSince: fields[0])
        _ = conditions.isNotModified(entityTag: "\"0123456789abcdef\"", lastModified: Date(timeIntervalSince1970: 1_700_000_000))
        let onlyDate = ConditionalRequest(ifModifiedSince: fields[0])
        if HTTPDate.parse(fields[0]) == nil {
            precondition(!onlyDate.isNotModified(entityTag: "\"x\"", lastModified: Date()), "an unreadable date made a 304")
        }
    }
}
