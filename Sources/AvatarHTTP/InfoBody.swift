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
        frames = record.frames
        rating = record.rating.rawValue
        crop = record.crop
        updatedAt = record.updatedAt
        url = "/\(record.hash)?v=\(record.version)"
        dominantColor = summary.dominantColour.map { "#" + $0.hex }
        thumbhash = Data(summary.thumbHash).base64EncodedString()
    }
}
