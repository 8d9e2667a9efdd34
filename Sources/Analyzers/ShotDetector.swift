import MediaIO

/// Finds cuts, dissolves and fades through black in a stream of small frames pushed one at a time.
///
/// Each frame becomes `ShotFeatures`; the change from the previous frame marks it active when it stands out
/// from the recent calm frames (or when brightness jumps, or the frame is black). A run of active frames is a
/// candidate transition, judged once a few frames after it have arrived:
/// - it is a change of shot only if no frame shortly before it resembles a frame shortly after it, which
///   rejects flashes and other brief disturbances that return to the same picture;
/// - with black frames inside it is one fade; one frame long, or dominated by one frame's change, a cut;
/// - otherwise a dissolve, kept only if its middle frames are mixtures of its two ends and a global shift
///   does not explain its frame-to-frame changes, which rejects fast pans.
/// Only features of a bounded window of frames are kept, so memory does not grow with the video.
public struct ShotDetector: Sendable {
    /// Thresholds, in units of `ShotFeatures.distance` (0–1) unless named otherwise.
    public struct Parameters: Sendable, Equatable {
        /// Least change from the previous frame that can make a frame active.
        public var activityFloor: Float = 0.04
        /// A frame is active when its change exceeds this multiple of the median change of recent calm frames.
        public var activityMultiple: Float = 3
        /// A jump in mean luma (0–255) that makes a frame active on its own.
        public var lumaStep: Float = 3
        /// Share of black pixels (luma below 16) from which a frame is black.
        public var blackShare: Float = 0.95
        /// Least change between the pictures before and after a candidate for it to be a change of shot.
        public var shotChange: Float = 0.2
        /// Frames either side compared to tell a change of shot from a flash; a flash must be shorter.
        public var flashFrames = 4
        /// Calm frames allowed inside one transition (a dissolve's change is uneven from frame to frame).
        public var bridgeFrames = 2
        /// Largest residual (relative to the change between the ends) of a dissolve's middle frames
        /// explained as a mix of its ends.
        public var mixResidual: Float = 0.6
        /// Least mean share of each frame's change in a dissolve that camera motion (a global shift of up to
        /// `maxShiftCells` of a 32x18 grid) leaves unexplained; a pan is explained almost entirely.
        public var unexplainedChange: Float = 0.5
        public var maxShiftCells = 5
        /// A gradual candidate whose largest single-frame change is this share of the whole is a cut.
        public var cutShare: Float = 0.7
        /// Shortest shot: transitions closer than this are one.
        public var minShotSeconds = 0.2
        /// Longest transition considered; longer active runs are judged in pieces of this length.
        public var maxTransitionSeconds = 5.0

        public init() {}
    }

    /// 64x36 RGB, stretched with area averaging: small enough to cost nothing next to decoding, and averaged
    /// so that fine texture does not alias into frame-to-frame noise.
    public static let frameFormat = FrameFormat(width: 64, height: 36, layout: .rgb24, resize: .stretch, filter: .area)

    public let frameRate: Double
    public let parameters: Parameters
    private let calmCount: Int
    private let maxRegion: Int
    private let minShot: Int

    /// Features of frames `windowStart ..< windowStart + window.count`.
    private var window: [ShotFeatures] = []
    private var windowStart = 0
    private var scores: [Float] = []
    /// Changes of the most recent calm frames, oldest first.
    private var calm: [Float] = []
    /// The open run of active frames: the last calm frame before it and its last active frame.
    private var region: (start: Int, lastActive: Int)?
    /// Closed runs waiting for `flashFrames` frames after them.
    private var pending: [(start: Int, end: Int)] = []
    private var transitions: [ShotTransition] = []

    public init(frameRate: Double, parameters: Parameters = .init()) {
        self.frameRate = frameRate > 0 && frameRate.isFinite ? frameRate : 25
        self.parameters = parameters
        calmCount = max(5, Int(self.frameRate.rounded()))
        maxRegion = max(8, Int((parameters.maxTransitionSeconds * self.frameRate).rounded()))
        minShot = max(1, Int((parameters.minShotSeconds * self.frameRate).rounded()))
    }

    /// Frames added so far.
    public var frameCount: Int { scores.count }

    /// Adds the next frame; frames must come in order, every one, in `frameFormat`.
    public mutating func add(_ frame: VideoFrame) {
        let features = ShotFeatures(frame: frame)
        let index = scores.count
        window.append(features)
        guard index > 0 else {
            scores.append(0)
            return
        }
        let previous = self[index - 1]
        let change = features.distance(to: previous)
        scores.append(change)
        let active = change > max(parameters.activityFloor, parameters.activityMultiple * median(calm))
            || abs(features.meanLuma - previous.meanLuma) > parameters.lumaStep
            || isBlack(features)
        if !active {
            calm.append(change)
            if calm.count > calmCount { calm.removeFirst() }
        }
        if let open = region {
            if active {
                region = (open.start, index)
                if index - open.start >= maxRegion {
                    pending.append((open.start, index))
                    region = nil
                }
            } else if index - open.lastActive > parameters.bridgeFrames {
                pending.append((open.start, open.lastActive))
                region = nil
            }
        } else if active {
            region = (index - 1, index)
        }
        while let first = pending.first, index >= first.end + parameters.flashFrames {
            pending.removeFirst()
            judge(start: first.start, end: first.end)
        }
        trimWindow()
    }

    /// Judges what is still open and returns the shots and transitions of all frames added.
    public mutating func finish() -> ShotResult {
        if let open = region {
            pending.append((open.start, open.lastActive))
            region = nil
        }
        for candidate in pending { judge(start: candidate.start, end: candidate.end) }
        pending = []
        transitions.sort { $0.startFrame < $1.startFrame }
        return ShotResult(shots: shots(), transitions: transitions, scores: scores, frameCount: scores.count)
    }

    // MARK: - Judging a run of active frames

    /// `start` is the last calm frame before the run, `end` its last active frame (the first of the new picture).
    private mutating func judge(start: Int, end: Int) {
        let last = scores.count - 1
        let k = parameters.flashFrames
        // A run that begins in black or reaches the last frame has no shot on one side, and one in the first
        // frames too little of it to tell a change of shot from a flash.
        guard start >= k, end < last, !isBlack(self[start]) else { return }
        var change = Float.infinity
        for before in max(0, start - k)...start {
            for after in end...min(last, end + k) {
                change = min(change, self[before].distance(to: self[after]))
            }
        }
        let firstBlack = (start...end).first { isBlack(self[$0]) }
        guard change > parameters.shotChange || firstBlack != nil else { return }
        if end - start == 1 {
            record(ShotTransition(type: .cut, startFrame: start, endFrame: end))
        } else if let firstBlack {
            record(fade(start: start, end: end, firstBlack: firstBlack))
        } else {
            let peak = (start + 1...end).max { scores[$0] < scores[$1] } ?? end
            if scores[peak] > parameters.cutShare * self[start].distance(to: self[end]) {
                record(ShotTransition(type: .cut, startFrame: peak - 1, endFrame: peak))
            } else if mixResidual(start: start, end: end) <= parameters.mixResidual,
                      unexplainedByMotion(start: start, end: end) >= parameters.unexplainedChange {
                record(ShotTransition(type: .dissolve, startFrame: start, endFrame: end))
            }
        }
    }

    /// Adds a transition, merged into the previous one when the shot between them would be shorter than
    /// `minShotSeconds`: one gradual transition whose change comes in bursts is found as several runs.
    private mutating func record(_ transition: ShotTransition) {
        guard let previous = transitions.last, transition.startFrame - previous.endFrame < minShot else {
            transitions.append(transition)
            return
        }
        transitions[transitions.count - 1] = ShotTransition(
            type: previous.type == .fade || transition.type == .fade ? .fade : .dissolve,
            startFrame: min(previous.startFrame, transition.startFrame), endFrame: max(previous.endFrame, transition.endFrame))
    }

    /// Narrows a run holding black frames to where brightness falls into the black and rises out of it.
    private func fade(start: Int, end: Int, firstBlack: Int) -> ShotTransition {
        var from = firstBlack
        while from > start, self[from - 1].meanLuma > self[from].meanLuma + 0.5 { from -= 1 }
        var to = (firstBlack...end).first { !isBlack(self[$0]) } ?? end
        while to < end, self[to + 1].meanLuma > self[to].meanLuma + 0.5 { to += 1 }
        return ShotTransition(type: .fade, startFrame: from, endFrame: to)
    }

    /// How far the middle frames are from the best mix `a * first + (1 - a) * last` of the run's ends,
    /// relative to the difference between the ends; the worst frame counts.
    private func mixResidual(start: Int, end: Int) -> Float {
        let first = self[start].thumbnail, last = self[end].thumbnail
        let difference = zip(first, last).map { $0 - $1 }
        let scale = difference.reduce(0) { $0 + $1 * $1 }
        guard scale > 0 else { return .infinity }
        var worst: Float = 0
        for index in start + 1..<end {
            let offset = zip(self[index].thumbnail, last).map { $0 - $1 }
            let share = min(1, max(0, zip(offset, difference).reduce(0) { $0 + $1.0 * $1.1 } / scale))
            let residual = zip(offset, difference).reduce(Float(0)) { sum, pair in
                let r = pair.0 - share * pair.1
                return sum + r * r
            }
            worst = max(worst, (residual / scale).squareRoot())
        }
        return worst
    }

    /// Mean over the run's frames of the share of their change that a global shift does not explain.
    private func unexplainedByMotion(start: Int, end: Int) -> Float {
        let shares = (start + 1...end).map { self[$0].unexplainedByMotion(from: self[$0 - 1], maxShift: parameters.maxShiftCells) }
        return shares.reduce(0, +) / Float(shares.count)
    }

    // MARK: - Helpers

    private subscript(index: Int) -> ShotFeatures { window[index - windowStart] }

    private func isBlack(_ features: ShotFeatures) -> Bool {
        features.blackShare >= parameters.blackShare
    }

    /// Drops features no open or pending run can still look at.
    private mutating func trimWindow() {
        let k = parameters.flashFrames
        var keep = scores.count - 1 - k
        if let open = region { keep = min(keep, open.start - k) }
        if let first = pending.first { keep = min(keep, first.start - k) }
        let drop = keep - windowStart
        // Removing in batches keeps the cost of shifting the array negligible.
        if drop >= 256 {
            window.removeFirst(drop)
            windowStart += drop
        }
    }

    private func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Shots between the transitions; a gradual transition's mixed frames are split at its middle.
    private func shots() -> [Shot] {
        let count = scores.count
        guard count > 0 else { return [] }
        var shots: [Shot] = []
        var first = 0
        for transition in transitions {
            let last = (transition.startFrame + transition.endFrame - 1) / 2
            guard last >= first, last < count - 1 else { continue }
            shots.append(shot(shots.count, first, last))
            first = last + 1
        }
        shots.append(shot(shots.count, first, count - 1))
        return shots
    }

    private func shot(_ index: Int, _ first: Int, _ last: Int) -> Shot {
        Shot(index: index, startFrame: first, endFrame: last, start: Double(first) / frameRate, end: Double(last + 1) / frameRate)
    }
}
