extension PlaybackScheduler {
    /// Capacity and policy knobs; durations are wall time.
    public struct Configuration: Sendable {
        /// Workers that compute items in parallel (all deployments together); the basis of admission
        /// until `admissionCosts` are known.
        public var workers: Int
        /// Fraction of the capacity (CPU time, or `workers`) that admission may promise to sessions,
        /// leaving headroom for estimate error and bursts after seeks.
        public var targetUtilization: Double
        /// Most items one session may have in flight, so a burst from one session cannot occupy
        /// every worker.
        public var maxInFlightPerSession: Int
        /// Items whose deadlines fall in the same slice of this length count as equally urgent and
        /// are taken round-robin between sessions; `.zero` gives strict earliest-deadline-first.
        public var fairnessQuantum: Duration
        /// A paused session's frames get virtual display times as if playback resumed at 1×: the frame on
        /// screen now (after a seek the user waits for it, so it goes to the front), the frames after it
        /// this much later, late enough that playing sessions' imminent frames go first. They are never dropped.
        public var pausedGrace: Duration
        /// Expected service time per feature, refined from completions.
        public var serviceTimes: ServiceTimeEstimator<Feature>
        /// CPU time per frame and feature against the machine's; admission uses worker-seconds until set.
        public var admissionCosts: AdmissionCosts<Feature>?

        public init(
            workers: Int,
            targetUtilization: Double = 0.9,
            maxInFlightPerSession: Int,
            fairnessQuantum: Duration = .milliseconds(50),
            pausedGrace: Duration = .milliseconds(250),
            serviceTimes: ServiceTimeEstimator<Feature> = ServiceTimeEstimator(),
            admissionCosts: AdmissionCosts<Feature>? = nil
        ) {
            precondition(workers > 0 && maxInFlightPerSession > 0, "workers and maxInFlightPerSession must be positive")
            self.workers = workers
            self.targetUtilization = targetUtilization
            self.maxInFlightPerSession = maxInFlightPerSession
            self.fairnessQuantum = fairnessQuantum
            self.pausedGrace = pausedGrace
            self.serviceTimes = serviceTimes
            self.admissionCosts = admissionCosts
        }
    }
}
