import Jobs
import ServiceLifecycle
import Synchronization

/// The server's own job workers: they compute queued chunks beside any `playhead worker` processes;
/// graceful shutdown lets the chunks in progress finish.
struct JobWorkersService: Service {
    let worker: Worker
    let concurrency: Int

    func run() async throws {
        let stopping = Atomic<Bool>(false)
        try await withGracefulShutdownHandler {
            try await worker.run(concurrency: concurrency) { stopping.load(ordering: .relaxed) }
        } onGracefulShutdown: {
            stopping.store(true, ordering: .relaxed)
        }
    }
}
