import Store

extension SessionRuntime {
    /// How frame features are ordered and given up.
    public enum Policy: String, Sendable, CaseIterable {
        /// `PlaybackScheduler`: earliest deadline first, late work dropped, stale work cancelled, admission control.
        case deadline
        /// `FIFOScheduler`: first come, first served, nothing dropped or cancelled, no deadlines at the deployments.
        case fifo
    }

    /// Capacity, policy and model settings of the runtime; durations are wall time unless named otherwise.
    public struct Configuration: Sendable {
        /// The deployment that computes each feature sessions may ask for.
        public var deployments: [Feature: String]
        /// Frame features computed at once across all sessions (decode plus model call); the basis of
        /// admission until the first session's calibration measures CPU costs.
        public var workers: Int
        /// Share of the machine's CPU time (of `workers` before calibration) that admission promises to
        /// sessions. Deadlines need headroom: on a 2-core machine, faces+safety sessions held ≥ 99 % of
        /// frames in time at ~70 % CPU and 90–99.5 % at ~90 % (`bench/sessions_bench.py`).
        public var targetUtilization: Double
        /// Most frame features one session has in flight.
        public var maxInFlightPerSession: Int
        /// Priority of interactive requests at the deployments: above batch work (0), so a session's
        /// frames overtake queued batch requests.
        public var priority: Int
        /// Highest analysis rate a session may ask for.
        public var maxFPS: Int
        /// Longest lookahead (media time) a session may ask for.
        public var maxLookahead: Duration
        /// The store is asked about frames this many lookaheads ahead of the playhead, so stored results
        /// are known before their frames enter the window and are never computed again.
        public var lookupReach: Int
        /// How often windows advance and late work is dropped when nothing else happens.
        public var tickInterval: Duration
        /// How often each session gets a `stats` event.
        public var statsInterval: Duration
        /// Service-time guesses per feature until completions refine them.
        public var serviceTimes: ServiceTimeEstimator<Feature>
        /// `.fifo` only as a baseline for benchmarks.
        public var policy: Policy
        /// Measure each feature's service time and CPU cost when a session first uses it (instead of trusting
        /// `serviceTimes` until completions arrive), so sessions opened together are admitted on real figures.
        public var calibrate: Bool
        /// Admit on the CPU time calibration measures (the process's, so it suits a process that serves;
        /// in a test process every other suite's work would count); false keeps admission on `workers`.
        public var admitOnCPUTime: Bool

        public init(
            deployments: [Feature: String] = [.faces: "blazeface-full", .safety: "nudenet-320n"],
            workers: Int = 4,
            targetUtilization: Double = 0.8,
            maxInFlightPerSession: Int = 3,
            priority: Int = 10,
            maxFPS: Int = 30,
            maxLookahead: Duration = .seconds(30),
            lookupReach: Int = 2,
            tickInterval: Duration = .milliseconds(50),
            statsInterval: Duration = .seconds(1),
            serviceTimes: ServiceTimeEstimator<Feature> = ServiceTimeEstimator(initial: [.faces: .milliseconds(20), .safety: .milliseconds(60)]),
            policy: Policy = .deadline,
            calibrate: Bool = true,
            admitOnCPUTime: Bool = true
        ) {
            precondition(workers > 0 && maxInFlightPerSession > 0 && lookupReach > 0, "workers, maxInFlightPerSession and lookupReach must be positive")
            precondition(targetUtilization > 0 && targetUtilization <= 1, "targetUtilization must be in (0, 1]")
            self.deployments = deployments
            self.workers = workers
            self.targetUtilization = targetUtilization
            self.maxInFlightPerSession = maxInFlightPerSession
            self.priority = priority
            self.maxFPS = maxFPS
            self.maxLookahead = maxLookahead
            self.lookupReach = lookupReach
            self.tickInterval = tickInterval
            self.statsInterval = statsInterval
            self.serviceTimes = serviceTimes
            self.policy = policy
            self.calibrate = calibrate
            self.admitOnCPUTime = admitOnCPUTime
        }
    }
}
