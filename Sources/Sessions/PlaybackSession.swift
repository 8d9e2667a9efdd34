/// One open session inside the scheduler: its request, playhead and the state of every frame
/// feature in its lookahead window.
struct PlaybackSession<Feature: Hashable & Sendable>: Sendable {
    /// Where a frame feature of the window stands.
    enum Entry: Sendable, Equatable {
        case queued(WorkItemID)
        case inFlight(WorkItemID)
        /// Completed, sent from the store or failed: nothing more to do while it stays in the window.
        /// Forgotten when it leaves, so a seek back re-sends or re-queues it.
        case settled
        /// Dropped as late. Also forgotten when the playhead is moved, since the frame may be
        /// reachable again (paused on it, or seeked back before it).
        case missed
    }

    let request: SessionRequest<Feature>
    var clock: PlaybackClock
    /// Frames whose results are in the store, whether computed here or found there.
    var available: Set<FrameKey<Feature>> = []
    var entries: [FrameKey<Feature>: Entry] = [:]

    init(request: SessionRequest<Feature>, now: Duration) {
        self.request = request
        clock = PlaybackClock(at: now)
    }

    /// Media time of frame `index`: `index / fps`, exact to the attosecond.
    func mediaTime(ofFrame index: Int64) -> Duration {
        .seconds(index * request.fps.denominator) / request.fps.numerator
    }

    /// The first frame at or after `time`.
    func firstFrame(atOrAfter time: Duration) -> Int64 {
        // The Double estimate can be off by one either way; the exact comparisons settle it.
        var index = max(0, Int64((time / .seconds(1) * request.fps.doubleValue).rounded(.up)))
        while index > 0 && mediaTime(ofFrame: index - 1) >= time { index -= 1 }
        while mediaTime(ofFrame: index) < time { index += 1 }
        return index
    }

    /// Frames in the lookahead window at `now`: from the playhead up to `lookahead` ahead of it,
    /// both ends included, and before the end of the media.
    func window(at now: Duration) -> Range<Int64> {
        let position = clock.position(at: now)
        let end = position + request.lookahead
        let lower = firstFrame(atOrAfter: position)
        var upper = firstFrame(atOrAfter: end)
        if mediaTime(ofFrame: upper) == end { upper += 1 }
        if let duration = request.mediaDuration {
            upper = min(upper, firstFrame(atOrAfter: duration))
        }
        return lower..<max(lower, upper)
    }

    /// When frame `index` is due on screen: its real display time while playing, otherwise a
    /// virtual one as if playback resumed at 1× now: at once for the frame at the playhead (the one on
    /// screen, which a user who just sought is waiting for), `pausedGrace` later for the frames after it.
    func displayTime(ofFrame index: Int64, now: Duration, pausedGrace: Duration) -> Duration {
        let time = mediaTime(ofFrame: index)
        if let displayTime = clock.displayTime(of: time) { return displayTime }
        let position = clock.position(at: now)
        return now + (time - position) + (index == firstFrame(atOrAfter: position) ? .zero : pausedGrace)
    }
}
