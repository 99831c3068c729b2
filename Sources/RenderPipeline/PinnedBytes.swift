/// A copy of bytes at a fixed address for as long as the object lives: what libvips
/// reads an image from. libvips loads lazily, so an image made from a buffer reads it
/// again whenever its pixels are computed, long after the call that made the image; every
/// `VipsImageHandle` made from (or derived from) these bytes keeps them alive.
final class PinnedBytes: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer

    init(_ bytes: [UInt8]) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { storage.baseAddress?.copyMemory(from: base, byteCount: source.count) }
        }
        self.storage = storage
        count = bytes.count
    }

    deinit {
        storage.deallocate()
    }

    /// How many bytes there are.
    let count: Int

    /// Where they start; valid while this object lives.
    var baseAddress: UnsafeRawPointer? { UnsafeRawPointer(storage.baseAddress) }
}
