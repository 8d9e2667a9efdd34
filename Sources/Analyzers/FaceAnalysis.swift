import MediaIO
import PlayheadCore

/// Runs face detection over a file's sampled frames and links the faces into tracks.
public struct FaceAnalysis: Sendable {
    public let detector: FaceDetector
    /// Frames a second to analyse; faces move slowly enough that a few per second suffice.
    public let sampling: FrameSampling
    /// Frames in flight at once: enough to keep the infer-request pool busy, few enough to bound memory.
    public let maxInFlight: Int

    public init(detector: FaceDetector, sampling: FrameSampling = .fps(Rational(5, 1)), maxInFlight: Int = 4) {
        self.detector = detector
        self.sampling = sampling
        self.maxInFlight = max(1, maxInFlight)
    }

    /// Analyses `path`; `progress` is called with each analysed frame's time, in completion order.
    public func run(path: String, progress: @Sendable (MediaTime) -> Void = { _ in }) async throws -> [FaceTrack] {
        let frames = VideoFrames(path: path, format: detector.frameFormat, sampling: sampling)
        var perFrame: [(time: MediaTime, faces: [Face])] = []
        try await withThrowingTaskGroup(of: (MediaTime, [Face]).self) { group in
            var inFlight = 0
            for try await frame in frames {
                if inFlight >= maxInFlight, let done = try await group.next() {
                    perFrame.append(done)
                    progress(done.0)
                    inFlight -= 1
                }
                let detector = self.detector
                group.addTask { (frame.time, try await detector.detect(frame)) }
                inFlight += 1
            }
            for try await done in group {
                perFrame.append(done)
                progress(done.0)
            }
        }
        var tracker = FaceTracker()
        for (time, faces) in perFrame.sorted(by: { $0.time < $1.time }) { tracker.update(time: time, faces: faces) }
        return tracker.tracks()
    }
}
