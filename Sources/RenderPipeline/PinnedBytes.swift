/// A copy of bytes at a fixed address for as long as the object lives: what libvips
/// reads an image from. libvips loads lazily, so an image made from a buffer reads it
/// again whenever its pixels are computed, long after the call that made the image; every
/// `VipsImageHandle` made from (or derived from) these bytes keeps them alive.
final class PinnedBytes: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer

    convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count) { target in
            bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        }
    }

    /// `count` bytes written once by `fill`, before anything can read them.
    init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, count), alignment: 16)
        fill(UnsafeMutableRawBufferPointer(rebasing: storage[..<count]))
        self.storage = storage
        self.count = count
    }

    deinit {
        storage.deallocate()
    }

    /// How many bytes there are.
    let count: Int

    /// Where they start; valid while this object lives.
    var baseAddress: UnsafeRawPointer? { UnsafeRawPointer(storage.baseAddress) }

    /// The bytes, for reading inside `body` only.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(rebasing: storage[..<count]))
    }
}
