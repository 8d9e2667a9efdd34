/// Decides the replica count from ongoing requests per replica, with delays so a burst or a lull
/// shorter than the delay changes nothing. Pure: the deployment feeds it samples and applies answers.
public struct AutoscalingPolicy: Sendable, Hashable {
    public var minReplicas: Int
    public var maxReplicas: Int
    /// Ongoing (queued + running) requests per replica the scaler aims for.
    public var targetOngoingRequests: Double
    /// How long load must stay above target before a replica is added.
    public var upscaleDelay: Duration
    /// How long load must stay below target before a replica is removed.
    public var downscaleDelay: Duration

    public init(minReplicas: Int = 1, maxReplicas: Int = 1, targetOngoingRequests: Double = 2,
                upscaleDelay: Duration = .seconds(3), downscaleDelay: Duration = .seconds(30)) {
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.targetOngoingRequests = targetOngoingRequests
        self.upscaleDelay = upscaleDelay
        self.downscaleDelay = downscaleDelay
    }

    /// Remembers since when the load has wanted a different size.
    public struct State: Sendable, Hashable {
        var wantsMoreSince: ContinuousClock.Instant?
        var wantsFewerSince: ContinuousClock.Instant?
        public init() {}
    }

    /// The replica count to move to now (equal to `current` for no change).
    public func decide(current: Int, ongoing: Int, now: ContinuousClock.Instant, state: inout State) -> Int {
        let desired = min(maxReplicas, max(minReplicas, Int((Double(ongoing) / targetOngoingRequests).rounded(.up))))
        if desired > current {
            state.wantsFewerSince = nil
            let since = state.wantsMoreSince ?? now
            state.wantsMoreSince = since
            if now - since >= upscaleDelay {
                state.wantsMoreSince = nil
                return desired
            }
        } else if desired < current {
            state.wantsMoreSince = nil
            let since = state.wantsFewerSince ?? now
            state.wantsFewerSince = since
            // One at a time downwards: load is measured again before the next removal.
            if now - since >= downscaleDelay {
                state.wantsFewerSince = nil
                return current - 1
            }
        } else {
            state = State()
        }
        return min(maxReplicas, max(minReplicas, current))
    }
}
