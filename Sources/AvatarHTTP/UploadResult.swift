import AvatarCore
import Foundation

/// The JSON an upload or a re-crop answers with: the stored record and its versioned URL.
struct UploadResult: RecordJSON {
    let hash: String
    let version: String
    let original: String
    let crop: AvatarCrop
    let format: String
    let width: Int
    let height: Int
    let bytes: Int
    let rating: String
    let createdAt: Date
    let updatedAt: Date
    let url: String

    init(_ record: AvatarRecord) {
        hash = record.hash.value
        version = record.version
        original = record.original
        crop = record.crop
        format = record.format.rawValue
        width = record.width
        height = record.height
        bytes = record.bytes
        rating = record.rating.rawValue
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        url = "/\(record.hash)?v=\(record.version)"
    }
}
