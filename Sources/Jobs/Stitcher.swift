import Analyzers
import PlayheadCore

/// Joins the results of a file's chunks into the result of the whole file.
///
/// Pure. What each analyzer needs at a border:
/// - shots: each transition is taken from one chunk, the one that saw enough frames on both sides of
///   it (see `ownership(of:)`); transitions that end up closer than the shortest shot are merged, as the
///   detector merges them; shots are rebuilt from the transitions over all frames, so a shot crossing a
///   border is one shot;
/// - faces, text, safety: the trackers run once over every chunk's samples in time order, so a face or a
///   line on screen across a border is one track, exactly as in a whole-file run;
/// - speech: a segment ending at a border and one starting there (within `speechJoinSeconds`) are one.
public struct Stitcher: Sendable {
    public var frameRate: Double
    /// The parameters the chunks' shot detectors ran with.
    public var shotParameters: ShotDetector.Parameters
    /// Sampling rate of the text lane, for `TextTracker`'s gap.
    public var textSamplesPerSecond: Double
    /// Largest gap at a border between two speech segments that are joined: the VAD's minimum silence.
    public var speechJoinSeconds: Double

    public init(frameRate: Double, shotParameters: ShotDetector.Parameters = .init(), textSamplesPerSecond: Double = 1,
                speechJoinSeconds: Double = SpeechDetector.Segmentation().minSilence) {
        self.frameRate = frameRate > 0 && frameRate.isFinite ? frameRate : 25
        self.shotParameters = shotParameters
        self.textSamplesPerSecond = textSamplesPerSecond
        self.speechJoinSeconds = speechJoinSeconds
    }

    /// Frames after a transition's last frame the detector reads before judging it (the flash check and
    /// the closing of a run of active frames); a chunk that ends sooner may judge it wrongly.
    public var lookaheadFrames: Int { shotParameters.flashFrames + shotParameters.bridgeFrames + 2 }

    /// The whole-file result of `chunks`, which must be the contiguous chunks of one file in order.
    ///
    /// - Throws: `.invalidArgument` when chunks are missing, repeated or out of order, or when some
    ///   chunks have a feature that others lack.
    public func stitch(_ chunks: [ChunkResult]) throws -> StitchedResult {
        guard !chunks.isEmpty else { throw PlayheadError(.invalidArgument, "there are no chunk results to stitch") }
        for (previous, chunk) in zip(chunks, chunks.dropFirst()) {
            guard chunk.index == previous.index + 1, chunk.start == previous.end, chunk.frames.lowerBound == previous.frames.upperBound else {
                throw PlayheadError(.invalidArgument, "chunk \(chunk.index) does not follow chunk \(previous.index) (\(previous.end) vs \(chunk.start), frame \(previous.frames.upperBound) vs \(chunk.frames.lowerBound))")
            }
        }
        guard chunks[0].index == 0, chunks[0].frames.lowerBound == 0 else {
            throw PlayheadError(.invalidArgument, "the first chunk result is chunk \(chunks[0].index), not the start of the file")
        }
        var result = StitchedResult(framesDecoded: chunks.reduce(0) { $0 + $1.framesDecoded })
        if let transitions = try gather(chunks, \.transitions, "shots") {
            result.shots = shots(chunks: chunks, transitions: transitions)
        }
        if let samples = try gather(chunks, \.faces, "faces") {
            result.faceTracks = FaceTracker.tracks(of: samples.joined().map { (time: $0.time, faces: $0.faces) })
        }
        if let samples = try gather(chunks, \.text, "text") {
            result.text = TextTracker.items(of: samples.joined().map { (time: $0.time, lines: $0.lines) }, samplesPerSecond: textSamplesPerSecond)
        }
        if let samples = try gather(chunks, \.safety, "safety") {
            result.safety = SafetyAnalysis.summary(of: samples.joined().map { (time: $0.time, detections: $0.detections) })
        }
        if let speech = try gather(chunks, \.speech, "speech") {
            result.speech = joinSpeech(speech, borders: chunks.dropFirst().map(\.start.seconds))
        }
        return result
    }

    /// A field of every chunk, nil when no chunk has it.
    private func gather<T>(_ chunks: [ChunkResult], _ field: KeyPath<ChunkResult, T?>, _ name: String) throws -> [T]? {
        let values = chunks.compactMap { $0[keyPath: field] }
        if values.isEmpty { return nil }
        guard values.count == chunks.count else {
            throw PlayheadError(.invalidArgument, "only \(values.count) of \(chunks.count) chunk results have \(name)")
        }
        return values
    }

    // MARK: - Shots

    /// The frames (by `endFrame`) whose transitions chunk `position` of `chunks` reports.
    ///
    /// A chunk stops at its `end`, so transitions in its last `lookaheadFrames` frames were judged
    /// without the frames after them; the next chunk saw those frames and, through its overlap, the
    /// ones before. So each border moves `lookaheadFrames` earlier. The overlap must be longer than that.
    public func ownership(of position: Int, in chunks: [ChunkResult]) -> Range<Int> {
        let lower = position == 0 ? Int.min : chunks[position].frames.lowerBound - lookaheadFrames
        let upper = position == chunks.count - 1 ? Int.max : chunks[position + 1].frames.lowerBound - lookaheadFrames
        return lower..<max(lower, upper)
    }

    private func shots(chunks: [ChunkResult], transitions: [[ShotTransition]]) -> ShotResult {
        let owned = transitions.enumerated().flatMap { position, found in
            let range = ownership(of: position, in: chunks)
            return found.filter { range.contains($0.endFrame) }
        }
        let minShot = max(1, Int((shotParameters.minShotSeconds * frameRate).rounded()))
        var merged: [ShotTransition] = []
        for transition in owned.sorted(by: { ($0.startFrame, $0.endFrame) < ($1.startFrame, $1.endFrame) }) {
            // Two chunks may each hold part of one transition, or the detector would have merged two close ones.
            guard let previous = merged.last, transition.startFrame - previous.endFrame < minShot else {
                merged.append(transition)
                continue
            }
            if transition == previous { continue }
            merged[merged.count - 1] = ShotTransition(
                type: previous.type == .fade || transition.type == .fade ? .fade : .dissolve,
                startFrame: min(previous.startFrame, transition.startFrame), endFrame: max(previous.endFrame, transition.endFrame))
        }
        let frameCount = chunks.last?.frames.upperBound ?? 0
        let scores = chunks.flatMap { $0.shotScores ?? [] }
        return ShotResult(shots: shots(between: merged, frameCount: frameCount), transitions: merged,
                          scores: scores.count == frameCount ? scores : [], frameCount: frameCount)
    }

    /// Shots between transitions, the mixed frames of a gradual one split at its middle (as `ShotDetector`).
    private func shots(between transitions: [ShotTransition], frameCount: Int) -> [Shot] {
        guard frameCount > 0 else { return [] }
        var shots: [Shot] = []
        var first = 0
        func append(_ last: Int) {
            shots.append(Shot(index: shots.count, startFrame: first, endFrame: last,
                              start: Double(first) / frameRate, end: Double(last + 1) / frameRate))
        }
        for transition in transitions {
            let last = (transition.startFrame + transition.endFrame - 1) / 2
            guard last >= first, last < frameCount - 1 else { continue }
            append(last)
            first = last + 1
        }
        append(frameCount - 1)
        return shots
    }

    // MARK: - Speech

    /// Concatenates the chunks' segments, joining a segment that reaches a border with one that starts there.
    private func joinSpeech(_ chunks: [[SpeechSegment]], borders: [Double]) -> [SpeechSegment] {
        var joined: [SpeechSegment] = []
        for (position, segments) in chunks.enumerated() {
            for segment in segments {
                if position > 0, let last = joined.last, segment.start - last.end <= speechJoinSeconds,
                   last.end >= borders[position - 1] - speechJoinSeconds, segment.start <= borders[position - 1] + speechJoinSeconds {
                    joined[joined.count - 1].end = max(last.end, segment.end)
                } else {
                    joined.append(segment)
                }
            }
        }
        return joined
    }
}

/// The whole-file result of a chunked analysis; nil for analyzers that were not requested.
public struct StitchedResult: Sendable {
    public var shots: ShotResult?
    public var faceTracks: [FaceTrack]?
    public var text: [TextItem]?
    public var safety: (segments: [SafetySegment], rating: SafetyRating)?
    public var speech: [SpeechSegment]?
    /// Frames decoded by all chunks, overlaps included.
    public var framesDecoded: Int

    public init(shots: ShotResult? = nil, faceTracks: [FaceTrack]? = nil, text: [TextItem]? = nil,
                safety: (segments: [SafetySegment], rating: SafetyRating)? = nil, speech: [SpeechSegment]? = nil, framesDecoded: Int = 0) {
        self.shots = shots
        self.faceTracks = faceTracks
        self.text = text
        self.safety = safety
        self.speech = speech
        self.framesDecoded = framesDecoded
    }
}
