/// Picks the replica for the next batch: power of two choices on outstanding requests.
///
/// Two random candidates among those that can take work, the less loaded wins. It spreads load almost
/// as well as scanning every replica but never herds all callers onto the same "least loaded" one.
public struct Router: Sendable {
    /// What the router needs to know about one replica.
    public struct Candidate: Sendable, Hashable {
        public var id: Int
        /// Requests assigned and not yet answered.
        public var outstanding: Int
        /// Whether it can start another batch now.
        public var canAccept: Bool

        public init(id: Int, outstanding: Int, canAccept: Bool) {
            self.id = id
            self.outstanding = outstanding
            self.canAccept = canAccept
        }
    }

    public init() {}

    /// The chosen replica's id, or nil when none can accept.
    public func pick<R: RandomNumberGenerator>(_ candidates: [Candidate], using generator: inout R) -> Int? {
        let open = candidates.filter(\.canAccept)
        switch open.count {
        case 0: return nil
        case 1: return open[0].id
        default:
            let first = Int.random(in: 0..<open.count, using: &generator)
            var second = Int.random(in: 0..<(open.count - 1), using: &generator)
            if second >= first { second += 1 }
            let (a, b) = (open[first], open[second])
            return a.outstanding <= b.outstanding ? a.id : b.id
        }
    }
}
