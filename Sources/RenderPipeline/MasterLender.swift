/// Lends a stored master where it lies, for the length of one call on the calling thread:
/// how a render reads its master from the cache without copying it out first.
public protocol MasterLender: Sendable {
    /// What `use` makes of the master's stored form (`MasterImage`'s), valid inside `use`
    /// only; `nil` when there is no such master or `use` refuses it. Blocks: called on a
    /// thread for blocking work.
    func lend<T>(_ use: (UnsafeRawBufferPointer) -> T?) -> T?
}
