import AvatarCore

/// What a page needs before an avatar arrives, worked out once per version from its 100 px
/// square: the alpha-weighted mean colour and the ThumbHash.
public struct ImageSummary: Sendable, Equatable {
    /// Side of the square the colour and the ThumbHash are taken from.
    public static let side = 100
    /// Names summaries in the render cache; bumped with the pipeline and with this encoding.
    public static let fingerprint = "summary-p\(RenderParameters.pipelineVersion)-t2"
    /// Names summaries in the cache: they are no image file format.
    public static let contentType = "application/x-avatars-summary"
    private static let magic: [UInt8] = Array("AVS2".utf8)

    /// `nil` when no pixel of the square is visible.
    public let dominantColour: RGBColour?
    public let thumbHash: [UInt8]

    public init(dominantColour: RGBColour?, thumbHash: [UInt8]) {
        self.dominantColour = dominantColour
        self.thumbHash = thumbHash
    }

    /// From a square's RGBA pixels; `nil` when they do not make a square of at most 100 px.
    init?(side: Int, rgba: [UInt8]) {
        guard let hash = ThumbHash.encode(width: side, height: side, rgba: rgba) else { return nil }
        let mean = ThumbHash.mean(of: rgba)
        let channel = { (value: Double) in UInt8(clamping: Int((value * 255 + 0.5).rounded(.down))) }
        self.init(
            dominantColour: mean.alpha > 0 ? RGBColour(red: channel(mean.red), green: channel(mean.green), blue: channel(mean.blue)) : nil,
            thumbHash: hash)
    }

    /// Stored form: "AVS2", 1 and the colour's three bytes (or four zeros), then the ThumbHash.
    public var serialized: [UInt8] {
        var bytes = Self.magic
        if let colour = dominantColour {
            bytes += [1, colour.red, colour.green, colour.blue]
        } else {
            bytes += [0, 0, 0, 0]
        }
        return bytes + thumbHash
    }

    /// Reads a stored summary; `nil` unless it is one.
    public init?(serialized bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count > 8, bytes.prefix(4).elementsEqual(Self.magic), bytes[4] <= 1 else { return nil }
        self.init(
            dominantColour: bytes[4] == 1 ? RGBColour(red: bytes[5], green: bytes[6], blue: bytes[7]) : nil,
            thumbHash: Array(bytes[8...]))
    }
}
