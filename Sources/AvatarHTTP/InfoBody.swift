import AvatarCore
import Foundation
import RenderPipeline

/// The JSON of `GET /info/<hash>`: the record's facts, and what a page draws before the
/// avatar arrives.
struct InfoBody: RecordJSON {
    let hash: String
    let version: String
    let format: String
    let width: Int
    let height: Int
    let animated: Bool
    let frames: Int
    let rating: String
    let crop: AvatarCrop
    let updatedAt: Date
    let url: String
    /// `#rrggbb`; `null` when no pixel of the square is visible.
    let dominantColor: String?
    /// Standard base64, padded.
    let thumbhash: String

    init(_ record: AvatarRecord, _ summary: ImageSummary) {
        hash = record.hash.value
        version = record.version
        format = record.format.rawValue
        width = record.width
        height = record.height
        animated = record.isAnimated
        frames = animated ? record.frames : 1
        rating = record.rating.rawValue
        crop = record.crop
        updatedAt = record.updatedAt
        url = "/\(record.hash)?v=\(record.version)"
        dominantColor = summary.dominantColour.map { "#" + $0.hex }
        thumbhash = Data(summary.thumbHash).base64EncodedString()
    }

    private enum CodingKeys: String, CodingKey {
        case hash, version, format, width, height, animated, frames, rating, crop, updatedAt, url, dominantColor, thumbhash
    }

    /// Every key, `dominantColor` as `null` when there is none (the synthesized form would drop it).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hash, forKey: .hash)
        try container.encode(version, forKey: .version)
        try container.encode(format, forKey: .format)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(animated, forKey: .animated)
        try container.encode(frames, forKey: .frames)
        try container.encode(rating, forKey: .rating)
        try container.encode(crop, forKey: .crop)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(url, forKey: .url)
        try container.encode(dominantColor, forKey: .dominantColor)
        try container.encode(thumbhash, forKey: .thumbhash)
    }
}
