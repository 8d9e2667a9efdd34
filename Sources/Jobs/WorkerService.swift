import ServiceLifecycle
import Synchronization

/// A ``Worker`` as a service: it computes queued tasks until graceful shutdown (SIGTERM), then lets the
/// tasks in progress finish and returns.
public struct WorkerService: Service {
    public let worker: Worker
    public let concurrency: Int

    public init(worker: Worker, concurrency: Int) {
        self.worker = worker
        self.concurrency = concurrency
    }

    public func run() async throws {
        let stopping = StopFlag()
        try await withGracefulShutdownHandler {
            try await worker.run(concurrency: concurrency) { stopping.isSet }
        } onGracefulShutdown: {
            stopping.set()
        }
    }
}

/// Set once, on graceful shutdown; read between tasks.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
