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

    /// Analyses `path`; `progress` is called with each decoded frame's time.
    public func run(path: String, progress: @Sendable (MediaTime) -> Void = { _ in }) async throws -> [FaceTrack] {
        try await VideoAnalysis(faces: .init(detector, sampling: sampling), maxInFlight: maxInFlight)
            .run(path: path, progress: progress).faceTracks ?? []
    }
}
