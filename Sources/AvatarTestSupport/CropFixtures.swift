/// The boxes of `quadrants.png` (200 x 100) and the colour of each: one per 100 x 50 quadrant.
public let quadrantColours: [(box: String, rgb: [Double])] = [
    ("0,0,100,50", [220, 20, 20]), ("100,0,100,50", [20, 200, 20]), ("0,50,100,50", [20, 20, 220]),
    ("100,50,100,50", [230, 220, 20]),
]

/// Whether a pixel is within `tolerance` of `colour` in each of its first three bands
/// (encoders and resampling move colours a little).
public func near(_ pixel: [Double]?, _ colour: [Double], tolerance: Double = 24) -> Bool {
    guard let pixel, pixel.count >= 3 else { return false }
    return zip(pixel.prefix(3), colour).allSatisfy { abs($0 - $1) <= tolerance }
}
