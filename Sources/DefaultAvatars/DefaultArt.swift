/// Draws the generated defaults as SVG text, which libvips renders at the requested size:
/// vector shapes, and pixel grids with crisp edges, sharp from 1 to 2048 px. The designs
/// are this project's own. Only SVG made here is ever given to libvips' SVG loader.
public enum DefaultArt {
    /// Bump when any drawing changes, so cached renders and ETags change with it.
    public static let version = 1

    /// The SVG document for `kind`, `size` pixels square, for the avatar `hash`.
    public static func svg(_ kind: GeneratedDefault, hash: String, size: Int) -> String {
        let body: String
        var viewBox = "0 0 100 100"
        switch kind {
        case .mysteryPerson: body = mysteryPerson(background: "#d5dae1", figure: "#9ba5b2")
        case .identicon:
            viewBox = "-0.5 -0.5 6 6"
            body = identicon(ArtSeed("identicon", hash))
        case .retro:
            viewBox = "0 0 8 8"
            body = retro(ArtSeed("retro", hash))
        case .monster: body = monster(ArtSeed("monster", hash))
        case .wavatar: body = wavatar(ArtSeed("wavatar", hash))
        case .robot: body = robot(ArtSeed("robot", hash))
        case .blank: body = ""
        case .color: body = ##"<rect width="100" height="100" fill="\##(ArtSeed("color", hash).color(0, saturation: 0.55, lightness: 0.55))"/>"##
        case .initials(let letters): body = initials(letters, ArtSeed("initials", hash, letters))
        }
        return ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(size)" height="\##(size)" viewBox="\##(viewBox)" preserveAspectRatio="none">\##(body)</svg>"##
    }

    static func mysteryPerson(background: String, figure: String) -> String {
        ##"<rect width="100" height="100" fill="\##(background)"/><circle cx="50" cy="39" r="19" fill="\##(figure)"/>"##
            + ##"<path d="M12 100 C12 72 30 62 50 62 C70 62 88 72 88 100 Z" fill="\##(figure)"/>"##
    }

    /// A 5 x 5 grid mirrored left to right, cells and colour from the hash.
    static func identicon(_ seed: ArtSeed) -> String {
        let color = seed.color(20, saturation: 0.6, lightness: 0.5)
        var cells = ""
        for row in 0..<5 {
            for column in 0..<3 where seed.bit(row * 3 + column) {
                for x in Set([column, 4 - column]) {
                    cells += ##"<rect x="\##(x)" y="\##(row)" width="1" height="1"/>"##
                }
            }
        }
        return ##"<rect x="-0.5" y="-0.5" width="6" height="6" fill="#f2f2f2"/><g fill="\##(color)" shape-rendering="crispEdges">\##(cells)</g>"##
    }

    /// An 8 x 8 pixel face, mirrored: hair, eyes and mouth chosen from the hash.
    static func retro(_ seed: ArtSeed) -> String {
        let skin = ArtSeed.hsl(Double(20 + seed.pick(0, 25)), 0.55, 0.55 + Double(seed.pick(1, 20)) / 100)
        let hair = seed.color(2, saturation: 0.5, lightness: 0.3)
        let background = seed.color(4, saturation: 0.35, lightness: 0.85)
        var pixels: [(Int, Int, String)] = []
        for row in 1..<8 { for column in 1..<4 { pixels.append((column, row, skin)) } }
        for column in 0..<4 where seed.bit(40 + column) || column >= 1 { pixels.append((column, 0, hair)) }
        if seed.bit(48) { pixels.append((1, 1, hair)) }
        if seed.bit(49) { pixels.append((0, 1, hair)); pixels.append((0, 2, hair)) }
        let eyeRow = 3 + seed.pick(6, 2)
        pixels.append((2, eyeRow, "#1b1b1b"))
        if seed.bit(50) { pixels.append((2, eyeRow - 1, "#1b1b1b")) }
        let mouthRow = 6
        for column in (seed.bit(51) ? 2 : 3)..<4 { pixels.append((column, mouthRow, "#7a2230")) }
        if seed.bit(52) { pixels.append((2, mouthRow - 1, "#7a2230")) }
        var cells = ""
        for (column, row, color) in pixels {
            for x in Set([column, 7 - column]) {
                cells += ##"<rect x="\##(x)" y="\##(row)" width="1" height="1" fill="\##(color)"/>"##
            }
        }
        return ##"<rect width="8" height="8" fill="\##(background)"/><g shape-rendering="crispEdges">\##(cells)</g>"##
    }

    /// A round-bodied monster: horns, one to three eyes, a toothy mouth.
    static func monster(_ seed: ArtSeed) -> String {
        let body = seed.color(0, saturation: 0.65, lightness: 0.55)
        let dark = seed.color(0, saturation: 0.65, lightness: 0.3)
        let background = seed.color(8, saturation: 0.3, lightness: 0.9)
        var art = ##"<rect width="100" height="100" fill="\##(background)"/>"##
        let hornHeight = 10 + seed.pick(3, 14)
        if seed.bit(32) {
            art += ##"<path d="M26 40 L20 \##(26 - hornHeight) L38 30 Z M74 40 L80 \##(26 - hornHeight) L62 30 Z" fill="\##(dark)"/>"##
        } else {
            art += ##"<path d="M40 24 L50 \##(14 - hornHeight / 2) L60 24 Z" fill="\##(dark)"/>"##
        }
        let width = 30 + seed.pick(4, 10)
        art += ##"<ellipse cx="50" cy="60" rx="\##(width)" ry="36" fill="\##(body)"/>"##
        let eyes = 1 + seed.pick(5, 3)
        let spacing = 44 / eyes
        for eye in 0..<eyes {
            let x = 50 - (eyes - 1) * spacing / 2 + eye * spacing
            let radius = eyes == 1 ? 12 : 8
            art += ##"<circle cx="\##(x)" cy="48" r="\##(radius)" fill="#ffffff"/><circle cx="\##(x + seed.pick(6, 5) - 2)" cy="49" r="\##(radius / 2)" fill="#161616"/>"##
        }
        let mouthWidth = 20 + seed.pick(7, 16)
        art += ##"<rect x="\##(50 - mouthWidth / 2)" y="70" width="\##(mouthWidth)" height="\##(8 + seed.pick(9, 6))" rx="4" fill="#2b0f14"/>"##
        let teeth = 2 + seed.pick(10, 4)
        for tooth in 0..<teeth {
            let x = 50 - mouthWidth / 2 + 2 + tooth * (mouthWidth - 4) / teeth
            art += ##"<path d="M\##(x) 70 L\##(x + 3) 76 L\##(x + 6) 70 Z" fill="#ffffff"/>"##
        }
        return art
    }

    /// A round face: eye, brow and mouth shapes and the colours from the hash.
    static func wavatar(_ seed: ArtSeed) -> String {
        let background = seed.color(0, saturation: 0.45, lightness: 0.75)
        let face = seed.color(2, saturation: 0.55, lightness: 0.6)
        var art = ##"<rect width="100" height="100" fill="\##(background)"/><circle cx="50" cy="52" r="38" fill="\##(face)"/>"##
        let eyeY = 44
        switch seed.pick(4, 3) {
        case 0: art += ##"<circle cx="36" cy="\##(eyeY)" r="6" fill="#1d1d1d"/><circle cx="64" cy="\##(eyeY)" r="6" fill="#1d1d1d"/>"##
        case 1:
            art += ##"<ellipse cx="36" cy="\##(eyeY)" rx="8" ry="5" fill="#ffffff"/><ellipse cx="64" cy="\##(eyeY)" rx="8" ry="5" fill="#ffffff"/>"##
                + ##"<circle cx="36" cy="\##(eyeY)" r="3" fill="#1d1d1d"/><circle cx="64" cy="\##(eyeY)" r="3" fill="#1d1d1d"/>"##
        default:
            art += ##"<path d="M29 \##(eyeY) Q36 \##(eyeY - 7) 43 \##(eyeY) M57 \##(eyeY) Q64 \##(eyeY - 7) 71 \##(eyeY)" stroke="#1d1d1d" stroke-width="3" fill="none"/>"##
        }
        if seed.bit(48) {
            art += ##"<path d="M28 32 L42 \##(30 + seed.pick(5, 5)) M58 \##(30 + seed.pick(5, 5)) L72 32" stroke="#2a2a2a" stroke-width="3"/>"##
        }
        switch seed.pick(6, 3) {
        case 0: art += ##"<path d="M36 66 Q50 80 64 66" stroke="#5a1a22" stroke-width="4" fill="none"/>"##
        case 1: art += ##"<ellipse cx="50" cy="69" rx="7" ry="6" fill="#5a1a22"/>"##
        default: art += ##"<path d="M38 69 L62 69" stroke="#5a1a22" stroke-width="4"/>"##
        }
        if seed.bit(49) {
            art += ##"<circle cx="28" cy="60" r="5" fill="#e88a8a" opacity="0.6"/><circle cx="72" cy="60" r="5" fill="#e88a8a" opacity="0.6"/>"##
        }
        return art
    }

    /// A boxy robot head: antenna, eyes and mouth grille from the hash.
    static func robot(_ seed: ArtSeed) -> String {
        let metal = seed.color(0, saturation: 0.25, lightness: 0.6)
        let accent = seed.color(2, saturation: 0.8, lightness: 0.5)
        let background = seed.color(4, saturation: 0.2, lightness: 0.88)
        var art = ##"<rect width="100" height="100" fill="\##(background)"/>"##
        if seed.bit(48) {
            art += ##"<rect x="48" y="8" width="4" height="16" fill="#555"/><circle cx="50" cy="8" r="5" fill="\##(accent)"/>"##
        } else {
            art += ##"<path d="M50 24 L44 16 L56 12 L48 4" stroke="#555" stroke-width="3" fill="none"/>"##
        }
        let headWidth = 56 + seed.pick(6, 12)
        art += ##"<rect x="\##(50 - headWidth / 2)" y="24" width="\##(headWidth)" height="58" rx="\##(4 + seed.pick(7, 10))" fill="\##(metal)"/>"##
        art += ##"<rect x="\##(50 - headWidth / 2 - 6)" y="44" width="6" height="16" fill="#666"/><rect x="\##(50 + headWidth / 2)" y="44" width="6" height="16" fill="#666"/>"##
        switch seed.pick(8, 3) {
        case 0: art += ##"<circle cx="38" cy="46" r="7" fill="\##(accent)"/><circle cx="62" cy="46" r="7" fill="\##(accent)"/>"##
        case 1: art += ##"<rect x="30" y="40" width="14" height="11" fill="\##(accent)"/><rect x="56" y="40" width="14" height="11" fill="\##(accent)"/>"##
        default: art += ##"<rect x="28" y="41" width="44" height="10" rx="5" fill="\##(accent)"/>"##
        }
        let bars = 3 + seed.pick(9, 4)
        art += ##"<rect x="34" y="62" width="32" height="12" fill="#333"/>"##
        for bar in 1..<bars {
            let x = 34 + bar * 32 / bars
            art += ##"<rect x="\##(x)" y="62" width="2" height="12" fill="#bbb"/>"##
        }
        return art
    }

    /// Letters on a colour; with no letters, a small figure in their place.
    static func initials(_ letters: String, _ seed: ArtSeed) -> String {
        let background = seed.color(0, saturation: 0.5, lightness: 0.45)
        guard !letters.isEmpty else { return mysteryPerson(background: background, figure: "#ffffff") }
        let fontSize = letters.count >= 3 ? 34 : 44
        let escaped = letters.map { character -> String in
            switch character {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            default: String(character)
            }
        }.joined()
        return ##"<rect width="100" height="100" fill="\##(background)"/>"##
            + ##"<text x="50" y="50" dy="0.35em" text-anchor="middle" font-family="DejaVu Sans" font-weight="bold" font-size="\##(fontSize)" fill="#ffffff">\##(escaped)</text>"##
    }
}
