import Dispatch
import Foundation
import FuzzTargets

/// The target `FUZZ_TARGET` names (a `FuzzTarget` raw value), read once.
let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue))")
    }
    return target
}()

/// libFuzzer's entry: one input, run to completion before the next. Async entry points run
/// as a task while this thread, libFuzzer's own, waits for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    let done = DispatchSemaphore(value: 0)
    Task {
        await target.run(bytes)
        done.signal()
    }
    done.wait()
    return 0
}
