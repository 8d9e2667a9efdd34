import CoreMetrics

/// The metrics every deployment exports (names are Prometheus-style; the server exposes them at `/metrics`).
struct ServingMetrics: Sendable {
    let deployment: String
    private let dimensions: [(String, String)]
    let queueTime: Timer
    let computeTime: Timer
    let requestTime: Timer
    let batchSize: Recorder
    let queueDepth: Gauge
    let replicaCount: Gauge

    init(deployment: String) {
        self.deployment = deployment
        dimensions = [("deployment", deployment)]
        queueTime = Timer(label: "playhead_queue_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        computeTime = Timer(label: "playhead_compute_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        requestTime = Timer(label: "playhead_request_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        batchSize = Recorder(label: "playhead_batch_size", dimensions: dimensions, aggregate: true)
        queueDepth = Gauge(label: "playhead_queue_depth", dimensions: dimensions)
        replicaCount = Gauge(label: "playhead_replicas", dimensions: dimensions)
    }

    /// Counts a finished request by outcome: "ok" or the error code.
    func count(outcome: String) {
        Counter(label: "playhead_requests_total", dimensions: dimensions + [("outcome", outcome)]).increment()
    }

    /// Fraction of a replica's batch slots in use.
    func utilisation(replica: Int, version: String, value: Double) {
        Gauge(label: "playhead_replica_utilisation", dimensions: dimensions + [("replica", String(replica)), ("version", version)]).record(value)
    }
}

extension Timer {
    /// Records the time from `start` to `now`.
    func recordInterval(since start: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) {
        let elapsed = (now - start).components
        recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }
}
