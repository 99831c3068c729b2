/// RFC 4180 CSV, as an import manifest is written: records end with CRLF (or LF), fields are
/// separated by commas, and a field in double quotes may hold commas, line breaks and
/// doubled quotes (a crop such as `"10,20,300,300"` needs them).
enum ManifestCSV {
    /// Why a manifest could not be read.
    struct Malformed: Error, CustomStringConvertible, Equatable {
        let line: Int
        let reason: String
        var description: String { "line \(line): \(reason)" }
    }

    /// The records of `text`, each a list of fields; a final line break ends the last record
    /// rather than starting an empty one.
    static func records(_ text: String) throws(Malformed) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var quoted = false, wasQuoted = false
        var line = 1, quoteOpened = 1
        var bytes = Array(text.utf8)[...]
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        while let byte = bytes.popFirst() {
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if bytes.first == UInt8(ascii: "\"") {
                        bytes.removeFirst()
                        field.append(byte)
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\r") where bytes.first == UInt8(ascii: "\n"):
                continue
            case UInt8(ascii: "\n"):
                endField()
                records.append(record)
                record = []
                line += 1
            case UInt8(ascii: "\""):
                guard field.isEmpty, !wasQuoted else {
                    throw Malformed(line: line, reason: "a quote inside a field that does not start with one")
                }
                quoted = true
                wasQuoted = true
                quoteOpened = line
            default:
                guard !wasQuoted else { throw Malformed(line: line, reason: "text after a closing quote") }
                field.append(byte)
            }
        }
        guard !quoted else { throw Malformed(line: quoteOpened, reason: "a quoted field is never closed") }
        if !record.isEmpty || !field.isEmpty || wasQuoted {
            endField()
            records.append(record)
        }
        return records
    }
}
