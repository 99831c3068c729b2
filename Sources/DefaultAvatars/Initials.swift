/// The letters an `initials` default shows.
enum Initials {
    /// `initials=` when given (up to 3 letters), else the first letters of the first and
    /// last words of `name=`, else empty (the art draws a placeholder glyph).
    static func from(initials: String?, name: String?) -> String {
        if let initials, !initials.trimmingCharacters(in: .whitespaces).isEmpty {
            return String(initials.filter { !$0.isWhitespace }.prefix(3)).uppercased()
        }
        let words = (name ?? "").split(whereSeparator: { $0.isWhitespace })
        guard let first = words.first?.first else { return "" }
        guard words.count > 1, let last = words.last?.first else { return String(first).uppercased() }
        return (String(first) + String(last)).uppercased()
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

extension Set where Element == Character {
    static let whitespaces: Set<Character> = [" ", "\t"]
}
