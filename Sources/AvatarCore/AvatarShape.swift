/// The outline of a rendered avatar (`shape`): the whole square, or the circle inscribed in
/// it with the corners transparent (or filled with the background where the format has no
/// transparency).
public enum AvatarShape: String, Sendable, CaseIterable {
    case square
    case circle
}
