/// Expected time to compute one frame of each feature: an exponentially weighted moving average
/// of observed durations, starting from a configured guess.
public struct ServiceTimeEstimator<Feature: Hashable & Sendable>: Sendable {
    /// The estimate for a feature that has no observation and no entry in `initial`.
    public let fallback: Duration
    /// Weight of the newest observation, in (0, 1]; higher follows load changes faster but jitters.
    public let smoothing: Double
    private var estimates: [Feature: Duration]

    /// An estimator seeded with `initial` guesses (e.g. from a benchmark) and a `fallback` for the rest.
    public init(initial: [Feature: Duration] = [:], fallback: Duration = .milliseconds(50), smoothing: Double = 0.2) {
        precondition(smoothing > 0 && smoothing <= 1, "smoothing must be in (0, 1]")
        self.fallback = fallback
        self.smoothing = smoothing
        estimates = initial
    }

    /// The expected service time of one frame of `feature`.
    public func estimate(for feature: Feature) -> Duration {
        estimates[feature] ?? fallback
    }

    /// Replaces the estimate, e.g. with a calibration measured on this machine.
    public mutating func set(_ duration: Duration, for feature: Feature) {
        estimates[feature] = duration
    }

    /// Folds one observed service time into the estimate.
    public mutating func record(_ duration: Duration, for feature: Feature) {
        let previous = estimate(for: feature)
        estimates[feature] = previous * (1 - smoothing) + duration * smoothing
    }
}
