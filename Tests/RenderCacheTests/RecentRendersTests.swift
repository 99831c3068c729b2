import AvatarCore
import NIOCore
import Testing

@testable import RenderCache

@Suite struct RecentRendersTests {
    func key(_ index: Int) -> RenderCacheKey {
        RenderCacheKey(hash: AvatarHash("0123456789abcdef0123456789abcdef")!, version: "v1", parameters: "s\(index)")
    }

    /// A render of exactly `capacity` bytes of capacity (NIO rounds up to a power of two).
    func render(_ index: Int, capacity: Int = 1024) -> CachedRender {
        CachedRender(contentType: "image/png", bytes: ByteBuffer(bytes: [UInt8](repeating: UInt8(index % 256), count: capacity)))
    }

    @Test func rendersAreKeptFirstInFirstOutWithinTheBudget() {
        var recent = RecentRenders(budget: 8 * 1024)
        for index in 0..<8 { recent.add(render(index), age: UInt64(index), for: key(index)) }
        #expect(recent.bytes == 8 * 1024)
        #expect((0..<8).allSatisfy { recent.get(key($0))?.render == render($0) })
        // Two more push out the two oldest, whether or not they were read since.
        recent.add(render(8), age: UInt64(8), for: key(8))
        recent.add(render(9), age: UInt64(9), for: key(9))
        #expect(recent.get(key(0)) == nil && recent.get(key(1)) == nil)
        #expect((2..<10).allSatisfy { recent.get(key($0))?.render == render($0) })
        #expect(recent.bytes == 8 * 1024)
    }

    @Test func capacityIsWhatCountsAndLargeRendersAreNotKept() {
        var recent = RecentRenders(budget: 64 * 1024)
        // 1,025 bytes take a 2,048-byte buffer.
        recent.add(render(1, capacity: 1025), age: UInt64(1), for: key(1))
        #expect(recent.bytes == 2048)
        recent.add(render(2, capacity: 9000), age: UInt64(2), for: key(2))
        #expect(recent.get(key(2)) == nil && recent.bytes == 2048)
        recent.removeAll()
        #expect(recent.get(key(1)) == nil && recent.bytes == 0)
    }

    @Test func manyRendersThroughASmallBudgetStayWithinIt() {
        var recent = RecentRenders(budget: 16 * 1024)
        for index in 0..<5000 {
            recent.add(render(index), age: UInt64(index), for: key(index))
            #expect(recent.bytes <= 16 * 1024)
        }
        #expect((4984..<5000).allSatisfy { recent.get(key($0)) != nil })
        #expect(recent.get(key(4983)) == nil)
    }

    @Test func aRenderWrittenAgainIsKeptWithItsNewAgeInItsPlace() {
        var recent = RecentRenders(budget: 8 * 1024)
        recent.add(render(1), age: 5, for: key(1))
        recent.aged(key(1), to: 40)
        #expect(recent.get(key(1)) == RecentRenders.Kept(render: render(1), age: 40))
        // An older age never replaces a newer one, and nothing is added for a key not kept.
        recent.aged(key(1), to: 7)
        recent.aged(key(2), to: 9)
        #expect(recent.get(key(1))?.age == 40 && recent.get(key(2)) == nil && recent.bytes == 1024)
        // Its place is still the oldest: first in, first out.
        for index in 3..<11 { recent.add(render(index), age: UInt64(index + 38), for: key(index)) }
        #expect(recent.get(key(1)) == nil && recent.get(key(3)) != nil && recent.bytes == 8 * 1024)
    }
}
