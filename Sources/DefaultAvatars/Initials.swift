/// The letters an `initials` default shows.
enum Initials {
    /// `initials=` when given (up to 3 letters), else the first letters of the first and
    /// last words of `name=`, else empty (the art draws a placeholder glyph). Only letters
    /// and digits count: control characters (which no SVG may hold), punctuation, symbols
    /// and marks are dropped, so any value draws.
    static func from(initials: String?, name: String?) -> String {
        let given = (initials ?? "").filter(isDrawable)
        if !given.isEmpty { return String(given.prefix(3)).uppercased() }
        let words = (name ?? "").split(whereSeparator: { $0.isWhitespace }).map { $0.filter(isDrawable) }
            .filter { !$0.isEmpty }
        guard let first = words.first?.first else { return "" }
        guard words.count > 1, let last = words.last?.first else { return String(first).uppercased() }
        return (String(first) + String(last)).uppercased()
    }

    /// A letter or a digit made of one scalar and its combining marks, nothing else.
    private static func isDrawable(_ character: Character) -> Bool {
        guard let base = character.unicodeScalars.first, character.isLetter || character.isNumber else { return false }
        return !base.properties.isDefaultIgnorableCodePoint && base.properties.generalCategory != .control
            && character.unicodeScalars.dropFirst().allSatisfy {
                $0.properties.generalCategory == .nonspacingMark || $0.properties.generalCategory == .spacingMark
            }
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
