import AvatarCore
import Testing

@testable import AvatarService

/// `Accept` as browsers and CDNs send it: only the exact types with a quality above 0 count.
@Suite struct AcceptedFormatsTests {
    @Test(arguments: [
        ("image/avif,image/webp,image/apng,image/*,*/*;q=0.8", true, true),  // Chrome
        ("image/webp,*/*", false, true),  // older Firefox
        ("image/avif;q=0, image/webp", false, true),
        ("image/avif;q=0.000,image/webp;q=0.001", false, true),
        ("IMAGE/AVIF ; Q=1", true, false),
        ("image/avif;q=1.0", true, false),
        ("image/avif;q=1., image/webp;q=0.", true, false),
        ("image/avif;q=1.5", false, false),
        ("image/avif;q=2", false, false),
        ("image/avif;q=-1", false, false),
        ("image/avif;q=0.0001", false, false),
        ("image/avif;q=", false, false),
        ("image/avif;q=abc", false, false),
        ("image/*,*/*", false, false),
        ("image/avifx, image/webp2", false, false),
        ("", false, false),
    ])
    func qualitiesAboveZeroCount(accept: String, avif: Bool, webp: Bool) {
        #expect(AcceptedFormats(accept: [accept]) == AcceptedFormats(avif: avif, webp: webp))
    }

    @Test func everyFieldLineCounts() {
        #expect(AcceptedFormats(accept: ["image/webp", "image/avif"]) == AcceptedFormats(avif: true, webp: true))
    }

    @Test func avifThenWebPThenTheOriginalsFamily() {
        #expect(AcceptedFormats(avif: true, webp: true).choice(for: .jpeg) == .avif)
        #expect(AcceptedFormats(avif: false, webp: true).choice(for: .png) == .webp)
        #expect(AcceptedFormats(avif: false, webp: false).choice(for: .gif) == .png)
        #expect(AcceptedFormats(avif: false, webp: false).choice(for: .heif) == .avif)
    }
}
