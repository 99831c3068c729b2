import Foundation

/// JSON about records (an upload's answer, `/info`) is written one way: keys sorted, so the
/// same facts are the same bytes; dates in ISO 8601; slashes in URLs left alone.
protocol RecordJSON: Encodable {}

extension RecordJSON {
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
