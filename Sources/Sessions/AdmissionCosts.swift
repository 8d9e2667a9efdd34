/// What admission charges a session: CPU time per analysis frame, against the CPU time the machine has.
///
/// Latency is the wrong currency for capacity: OpenVINO runs a lone request on one core and several
/// requests on all of them, so a frame's wall time says little about how many frames fit in a second.
/// CPU time does: it is measured per feature in a burst when a session first uses it (the process's
/// CPU time over the burst, divided by the items), and `scale` then folds in what bursts do not see
/// (pre-roll after seeks, encoding results, recording them) from the process's CPU time under real load.
public struct AdmissionCosts<Feature: Hashable & Sendable>: Sendable, Equatable {
    /// CPU-seconds per second the machine has (its cores).
    public var capacity: Double
    /// Decoding and converting one analysis frame, paid once per frame whatever the features.
    public var perFrame: Duration
    /// One item (one feature of one frame).
    public var perItem: [Feature: Duration]
    /// Measured CPU time over the time these figures predict, for the work they do not itemise.
    public var scale: Double

    /// Costs with nothing unitemised yet (`scale` 1) until the CPU time check measures it.
    public init(capacity: Double, perFrame: Duration, perItem: [Feature: Duration] = [:], scale: Double = 1) {
        precondition(capacity > 0 && scale > 0, "capacity and scale must be positive")
        self.capacity = capacity
        self.perFrame = perFrame
        self.perItem = perItem
        self.scale = scale
    }

    /// CPU-seconds one frame of every feature in `features` costs, scaled; a feature without a figure (its
    /// calibration failed) is charged `unmeasured`, e.g. its wall time, which a one-core item cannot beat.
    public func perFrame(_ features: [Feature], unmeasured: (Feature) -> Duration) -> Double {
        features.reduce(perFrame) { $0 + (perItem[$1] ?? unmeasured($1)) } / .seconds(1) * scale
    }

    /// Folds one window's measured CPU time over what these figures predicted for it into `scale`,
    /// bounded so one odd window (a batch job's burst, a stall) cannot swing admission far.
    public mutating func observe(measured: Duration, predicted: Duration, smoothing: Double = 0.3) {
        guard predicted > .zero else { return }
        let ratio = min(max(measured / predicted, 0.5), 4)
        scale = scale * (1 - smoothing) + ratio * smoothing
    }
}
