/// How a canary is tried before a new version replaces the old one.
public struct CanaryPolicy: Sendable, Hashable {
    /// Fraction of batches sent to the canary (0 < share < 1).
    public var share: Double
    /// How long the canary is watched.
    public var window: Duration
    /// Requests the canary must have answered before it is judged.
    public var minRequests: Int
    /// How long to wait for `minRequests` after the window before giving up (the canary is then
    /// rolled back: too little traffic to call it safe). Default: two more windows.
    public var patience: Duration?
    /// Largest tolerated rise of the error rate, absolute (0.01 = one point).
    public var maxErrorRateIncrease: Double
    /// Largest tolerated ratio of the canary's p99 compute latency to the old version's.
    public var maxP99Ratio: Double

    public init(share: Double = 0.1, window: Duration = .seconds(30), minRequests: Int = 50,
                maxErrorRateIncrease: Double = 0.01, maxP99Ratio: Double = 1.2, patience: Duration? = nil) {
        self.patience = patience
        self.share = share
        self.window = window
        self.minRequests = minRequests
        self.maxErrorRateIncrease = maxErrorRateIncrease
        self.maxP99Ratio = maxP99Ratio
    }

    func validate() throws(ServingError) {
        guard share > 0, share < 1 else { throw ServingError(.invalidConfig, "canary share must be between 0 and 1, got \(share)") }
        guard window > .zero, minRequests >= 1, maxErrorRateIncrease >= 0, maxP99Ratio >= 1 else {
            throw ServingError(.invalidConfig, "canary needs a positive window, min_requests >= 1, max_error_rate_increase >= 0 and max_p99_ratio >= 1")
        }
    }

    /// Why the canary is worse than the stable version, or nil when it is good enough.
    func verdict(candidate: CanaryState.Stats, stable: CanaryState.Stats) -> String? {
        guard candidate.requests >= minRequests else {
            return "the canary answered \(candidate.requests) requests, fewer than the \(minRequests) needed to judge it"
        }
        let increase = candidate.errorRate - stable.errorRate
        if increase > maxErrorRateIncrease {
            return "error rate \(percent(candidate.errorRate)) against \(percent(stable.errorRate)) for the old version"
        }
        if let new = candidate.p99, let old = stable.p99, old > .zero, new > old * maxP99Ratio {
            return "p99 compute latency \(new) against \(old) for the old version (limit \(maxP99Ratio)x)"
        }
        return nil
    }

    private func percent(_ rate: Double) -> String { "\((rate * 1000).rounded() / 10) %" }
}

/// The result of `Deployment.update`.
public enum UpdateOutcome: Sendable, Equatable {
    case promoted
    case rolledBack(reason: String)
}

/// Traffic split and per-side outcomes while a canary is watched.
struct CanaryState: Sendable {
    struct Stats: Sendable {
        var requests = 0
        var failures = 0
        var latencies: [Duration] = []

        var errorRate: Double { requests == 0 ? 0 : Double(failures) / Double(requests) }

        var p99: Duration? {
            guard !latencies.isEmpty else { return nil }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.up)) - 1)]
        }
    }

    let replicaID: Int
    let share: Double
    var candidate = Stats()
    var stable = Stats()

    init(replicaID: Int, share: Double) {
        self.replicaID = replicaID
        self.share = share
    }

    /// Counts a finished batch; a caller's cancellation or deadline says nothing about the version.
    mutating func record(replica: Int, elapsed: Duration, results: [Result<[TensorData], ServingError>]) {
        let failures = results.filter { result in
            if case .failure(let error) = result { return error.code != .cancelled && error.code != .deadlineExceeded }
            return false
        }.count
        func add(_ stats: inout Stats) {
            stats.requests += results.count
            stats.failures += failures
            if stats.latencies.count < 100_000 { stats.latencies.append(contentsOf: repeatElement(elapsed, count: results.count)) }
        }
        if replica == replicaID { add(&candidate) } else { add(&stable) }
    }
}
