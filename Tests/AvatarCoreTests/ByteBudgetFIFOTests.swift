import AvatarCore
import Testing

@Suite struct ByteBudgetFIFOTests {
    @Test func theOldestGoFirstWithinTheBudget() {
        var fifo = ByteBudgetFIFO<Int, String>(budget: 100)
        for key in 0..<10 { fifo.add("v\(key)", for: key, cost: 10) }
        #expect(fifo.bytes == 100 && fifo.count == 10)
        fifo.add("v10", for: 10, cost: 25)
        #expect(fifo.get(0) == nil && fifo.get(1) == nil && fifo.get(2) == nil && fifo.get(3) != nil)
        #expect(fifo.bytes == 95)
        fifo.add("too big", for: 11, cost: 101)
        #expect(fifo.get(11) == nil)
    }

    /// A key removed and added again is the newest: an eviction reaching its old place
    /// leaves it, and the places of values gone do not pile up.
    @Test func aKeyAddedAgainIsNewAndOldPlacesDoNotPileUp() {
        var fifo = ByteBudgetFIFO<Int, Int>(budget: 30)
        fifo.add(0, for: 0, cost: 10)
        fifo.add(1, for: 1, cost: 10)
        fifo.remove(0)
        fifo.add(100, for: 0, cost: 10)
        fifo.add(2, for: 2, cost: 10)
        fifo.add(3, for: 3, cost: 10)
        #expect(fifo.get(0) == 100, "the re-added key is newer than 1, which went")
        #expect(fifo.get(1) == nil && fifo.bytes == 30)
        // Removed values keep counting until their places go: the budget bounds all.
        var churn = ByteBudgetFIFO<Int, Int>(budget: 100)
        for round in 0..<100_000 {
            churn.remove(round % 10)
            churn.add(round, for: round % 10, cost: 1)
        }
        #expect(churn.count == 10 && churn.bytes <= 100 && churn.placesKept <= 100)
        #expect((0..<10).allSatisfy { churn.get($0) == 99_990 + $0 })
    }

    /// Evictions alone (no removals) leave no places behind either: what keeps a long key
    /// alive is only what the budget counts.
    @Test func evictedPlacesDoNotPileUp() {
        var fifo = ByteBudgetFIFO<Int, Int>(budget: 100)
        for key in 0..<100_000 { fifo.add(key, for: key, cost: 10) }
        #expect(fifo.count == 10 && fifo.bytes == 100)
        #expect(fifo.placesKept == 10)
    }

    /// An update changes the value only: its place, cost and the order stay.
    @Test func anUpdatedValueKeepsItsPlaceAndCost() {
        var fifo = ByteBudgetFIFO<Int, String>(budget: 30)
        for key in 0..<3 { fifo.add("v\(key)", for: key, cost: 10) }
        fifo.update(0) { $0 + "!" }
        fifo.update(7) { _ in "absent" }
        #expect(fifo.get(0) == "v0!" && fifo.get(7) == nil && fifo.count == 3 && fifo.bytes == 30)
        fifo.add("v3", for: 3, cost: 10)
        #expect(fifo.get(0) == nil && fifo.get(1) == "v1")
    }
}
