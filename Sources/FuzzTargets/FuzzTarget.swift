/// The parsers of untrusted input that fuzzing drives, each behind one entry point that
/// takes arbitrary bytes. The libFuzzer binary (`FuzzTesting/`) and the corpus replay in
/// the test suite call the same entry points. An entry point returns for any input; it
/// traps (a finding) only when a parser crashes or breaks one of the invariants it checks.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A request target (`/<hash>[.ext]?s=&d=&...`, either route) to a typed render request.
    case requestTarget = "RequestTarget"
    /// `If-Modified-Since` dates and `If-None-Match` entity tags.
    case conditionalHeaders = "ConditionalHeaders"
    /// Format sniffing and the whole upload inspection (libvips' header read and decode).
    case upload = "Upload"
    /// Upload tokens: JWT parsing and verification.
    case uploadToken = "UploadToken"
    /// A `d` / `initials` / `name` triple to the SVG the server would draw.
    case generatedDefault = "GeneratedDefault"

    /// Runs one input through the target.
    public func run(_ bytes: [UInt8]) async {
        switch self {
        case .requestTarget: RequestTargetFuzzing.run(bytes)
        case .conditionalHeaders: ConditionalHeadersFuzzing.run(bytes)
        case .upload: await UploadFuzzing.run(bytes)
        case .uploadToken: await UploadTokenFuzzing.run(bytes)
        case .generatedDefault: GeneratedDefaultFuzzing.run(bytes)
        }
    }
}

extension Array where Element == UInt8 {
    /// The input cut at its first `count - 1` zero bytes: one fuzz input holding several fields.
    func fields(_ count: Int) -> [String] {
        var parts = split(separator: 0, maxSplits: count - 1, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        while parts.count < count { parts.append("") }
        return parts
    }
}
