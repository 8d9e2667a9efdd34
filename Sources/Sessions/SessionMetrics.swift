import Metrics

/// The metrics every session exports (Prometheus names; the server exposes them at `/metrics`).
enum SessionMetrics {
    /// Frame features by outcome: `hit` and `memoized` (delivered before display while playing), `late`
    /// (delivered after), `dropped` (given up), `paused` (delivered while paused: no deadline).
    static func count(_ outcome: String) {
        Counter(label: "playhead_session_results_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// How long before its display time a result reached the client.
    static let leadTime = Timer(label: "playhead_session_result_lead_seconds", preferredDisplayUnit: .seconds)
    /// From a seek (or play from a new position) to the first result at or after the new position.
    static let seekLatency = Timer(label: "playhead_session_seek_first_result_seconds", preferredDisplayUnit: .seconds)
    static let openSessions = Gauge(label: "playhead_sessions_open")

    static func record(_ timer: Timer, _ duration: Duration) {
        let parts = duration.components
        timer.recordNanoseconds(max(0, parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000))
    }
}
