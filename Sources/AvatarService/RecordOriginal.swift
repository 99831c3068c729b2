import AvatarCore
import OriginalStorage

extension OriginalKey {
    /// The stored original `record` shows: named by its content hash, which a re-crop keeps.
    init(of record: AvatarRecord) {
        self.init(hash: record.hash, version: record.original)
    }
}
