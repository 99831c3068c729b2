/// The crop an uploader asks for (`crop=`): a box of their own, faces found for them, or
/// the centre square.
public enum CropChoice: Sendable, Equatable {
    /// The uploader's own box.
    case box(CropBox)
    /// Faces if any are found, else libvips' attention smartcrop.
    case auto
    /// The largest centred square, as before crops existed.
    case centre

    /// Box coordinates above this are refused: no accepted original is this large, and
    /// sums of such values cannot overflow.
    public static let largestCoordinate = 1_000_000_000

    /// Parses `auto`, `centre`, `center` or four comma-separated decimal integers; `nil`
    /// for anything else (decimals, signs, spaces, three numbers, a side of zero).
    public init?(parsing text: some StringProtocol) {
        switch text {
        case "auto": self = .auto
        case "centre", "center": self = .centre
        default:
            let fields = text.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 4 else { return nil }
            var numbers: [Int] = []
            for field in fields {
                guard !field.isEmpty, field.utf8.count <= 10, field.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                    let number = Int(field)
                else { return nil }
                numbers.append(number)
            }
            guard let box = CropBox(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3]) else { return nil }
            self = .box(box)
        }
    }
}

/// A box `x,y,w,h` in pixels of the upright original, each at most
/// `CropChoice.largestCoordinate`, its sides above zero.
public struct CropBox: Sendable, Equatable {
    public let x: Int
    public let y: Int
    public let width: Int
    public let height: Int

    /// `nil` for a negative value, a side of zero, or a value above `CropChoice.largestCoordinate`.
    public init?(x: Int, y: Int, width: Int, height: Int) {
        let limit = 0...CropChoice.largestCoordinate
        guard limit.contains(x), limit.contains(y), limit.contains(width), limit.contains(height), width > 0, height > 0
        else { return nil }
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    /// The square this box asks for in an upright `width` x `height` original: side
    /// `min(w, h)`, centred in the box. `nil` when the box reaches outside the original.
    public func square(inWidth originalWidth: Int, height originalHeight: Int) -> AvatarCrop? {
        // Every value is at most `CropChoice.largestCoordinate`, so these sums cannot overflow.
        guard x + width <= originalWidth, y + height <= originalHeight else { return nil }
        let side = min(width, height)
        return AvatarCrop(x: x + (width - side) / 2, y: y + (height - side) / 2, size: side, source: .user)
    }
}
