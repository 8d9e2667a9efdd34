/// A session's playhead, derived from play, pause and seek events and the wall clock.
///
/// Pure: every question takes `now` as an argument. Wall times here and throughout `Sessions` are
/// `Duration`s since an origin the driver picks once (e.g. `ContinuousClock.now - start`), so tests
/// can use plain numbers. Media positions are `Duration`s from the start of the media.
public struct PlaybackClock: Sendable, Equatable {
    /// The media position at `anchorTime`.
    private var anchorPosition: Duration
    /// The wall time of the last event.
    private var anchorTime: Duration
    /// Media seconds per wall second; zero while paused.
    public private(set) var rate: Double

    /// A paused clock at `position`.
    public init(position: Duration = .zero, at now: Duration) {
        anchorPosition = position
        anchorTime = now
        rate = 0
    }

    /// Whether the playhead is moving.
    public var isPlaying: Bool { rate > 0 }

    /// The media position at wall time `now`.
    public func position(at now: Duration) -> Duration {
        guard isPlaying else { return anchorPosition }
        // At 1× skip the Double multiplication so positions stay exact.
        return anchorPosition + (rate == 1 ? now - anchorTime : (now - anchorTime) * rate)
    }

    /// The wall time at which media time `mediaTime` is (or was) on screen; `nil` while paused.
    ///
    /// Times behind the playhead give wall times in the past.
    public func displayTime(of mediaTime: Duration) -> Duration? {
        guard isPlaying else { return nil }
        return anchorTime + (rate == 1 ? mediaTime - anchorPosition : (mediaTime - anchorPosition) / rate)
    }

    /// Starts (or continues) playback from `position` at `rate`.
    ///
    /// Reverse playback is not supported: a non-positive rate pauses at `position`.
    public mutating func play(from position: Duration, rate: Double, at now: Duration) {
        anchorPosition = position
        anchorTime = now
        self.rate = rate > 0 ? rate : 0
    }

    /// Stops the playhead at `position`.
    public mutating func pause(at position: Duration, now: Duration) {
        anchorPosition = position
        anchorTime = now
        rate = 0
    }

    /// Moves the playhead to `position`; a playing clock keeps playing from there at the same rate.
    public mutating func seek(to position: Duration, at now: Duration) {
        anchorPosition = position
        anchorTime = now
    }
}
