extension PlaybackScheduler {
    /// What the driver must do after an event; several may result from one event.
    public enum Action: Sendable, Equatable {
        /// The session is open; its frames are queued.
        case accepted(SessionID)
        /// `open` was refused; the session does not exist.
        case refuse(SessionID, SessionRefusal)
        /// Start these items on the deployments, in this order, passing their deadlines.
        case dispatch([Item])
        /// Abort these in-flight items; their results are no longer wanted.
        case cancel([WorkItemID])
        /// These queued items can no longer meet their deadlines and will not be computed:
        /// report them to their sessions as missed.
        case drop([Item])
        /// These frames are already in the store: send them to the session without inference.
        case sendMemoized(SessionID, [FrameKey<Feature>])
        /// Capacity no interactive item can use now; batch work may take this many workers.
        case grantBatch(slots: Int)
    }
}
