import Synchronization

/// A flag FFmpeg's interrupt callback polls, so a cancelled task aborts blocking reads inside libavformat.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
