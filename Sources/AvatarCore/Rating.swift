/// An avatar's audience rating, in Gravatar's order: `g` < `pg` < `r` < `x`.
public enum Rating: String, Sendable, Codable, CaseIterable, Comparable {
    case g, pg, r, x

    public init?(parameter: some StringProtocol) {
        self.init(rawValue: parameter.lowercased())
    }

    private var rank: Int {
        switch self {
        case .g: 0
        case .pg: 1
        case .r: 2
        case .x: 3
        }
    }

    public static func < (lhs: Rating, rhs: Rating) -> Bool { lhs.rank < rhs.rank }
}
