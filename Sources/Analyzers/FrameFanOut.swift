import MediaIO
import PlayheadCore

/// Runs `analyze` on every frame of `frames`, at most `maxInFlight` at once (enough to keep an
/// infer-request pool busy, few enough to bound memory), and returns the results in time order.
/// `progress` is called with each analysed frame's time, in completion order.
func analyzeFrames<Result: Sendable>(
    _ frames: VideoFrames, maxInFlight: Int, progress: @Sendable (MediaTime) -> Void = { _ in },
    _ analyze: @escaping @Sendable (VideoFrame) async throws -> Result
) async throws -> [(time: MediaTime, result: Result)] {
    var done: [(time: MediaTime, result: Result)] = []
    try await withThrowingTaskGroup(of: (MediaTime, Result).self) { group in
        var inFlight = 0
        for try await frame in frames {
            if inFlight >= max(1, maxInFlight), let finished = try await group.next() {
                done.append(finished)
                progress(finished.0)
                inFlight -= 1
            }
            group.addTask { (frame.time, try await analyze(frame)) }
            inFlight += 1
        }
        for try await finished in group {
            done.append(finished)
            progress(finished.0)
        }
    }
    return done.sorted { $0.time < $1.time }
}
