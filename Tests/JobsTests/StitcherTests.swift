import Analyzers
import Jobs
import PlayheadCore
import Foundation
import Testing

/// The stitcher on hand-made chunk results: two or three chunks of 75 frames at 25 fps (3 s each).
struct StitcherTests {
    static let stitcher = Stitcher(frameRate: 25)

    static func time(_ frame: Int) -> MediaTime { MediaTime(frame: Int64(frame), frameRate: Rational(25, 1)) }

    /// Chunk `index` of frames `75 * index ..< 75 * (index + 1)`.
    static func chunk(_ index: Int, transitions: [ShotTransition]? = nil, faces: [FaceSample]? = nil,
                      safety: [SafetySample]? = nil, speech: [SpeechSegment]? = nil) -> ChunkResult {
        ChunkResult(index: index, start: time(75 * index), end: time(75 * (index + 1)), frames: (75 * index)..<(75 * (index + 1)),
                    transitions: transitions, shotScores: transitions.map { _ in [Float](repeating: 0, count: 75) },
                    faces: faces, safety: safety, speech: speech)
    }

    static func cut(_ endFrame: Int) -> ShotTransition { ShotTransition(type: .cut, startFrame: endFrame - 1, endFrame: endFrame) }

    @Test func aShotAcrossASeamIsOneShot() throws {
        let result = try Self.stitcher.stitch([Self.chunk(0, transitions: [Self.cut(31)]), Self.chunk(1, transitions: [Self.cut(121)])])
        let shots = try #require(result.shots)
        #expect(shots.transitions == [Self.cut(31), Self.cut(121)])
        #expect(shots.shots.map { [$0.startFrame, $0.endFrame] } == [[0, 30], [31, 120], [121, 149]])
        #expect(shots.shots[1].start == 31.0 / 25 && shots.shots[1].end == 121.0 / 25)
        #expect(shots.frameCount == 150 && shots.scores.count == 150)
    }

    @Test func aTransitionSeenInTheOverlapIsCountedOnce() throws {
        // The second chunk analysed frames 50... and found chunk 0's cut at 60 again.
        let result = try Self.stitcher.stitch([Self.chunk(0, transitions: [Self.cut(60)]), Self.chunk(1, transitions: [Self.cut(60), Self.cut(100)])])
        #expect(result.shots?.transitions == [Self.cut(60), Self.cut(100)])
        #expect(result.shots?.shots.count == 3)
    }

    @Test func aTransitionAtTheEndOfAChunkIsTakenFromTheNextOne() throws {
        // Two frames before the seam, chunk 0 could not look past its end and judged a dissolve;
        // chunk 1 saw the frames after it and found the cut.
        let misjudged = ShotTransition(type: .dissolve, startFrame: 70, endFrame: 73)
        let result = try Self.stitcher.stitch([Self.chunk(0, transitions: [misjudged]), Self.chunk(1, transitions: [Self.cut(73)])])
        #expect(result.shots?.transitions == [Self.cut(73)])
        #expect(Self.stitcher.ownership(of: 1, in: [Self.chunk(0), Self.chunk(1)]) == (75 - Self.stitcher.lookaheadFrames)..<Int.max)
    }

    @Test func aCutExactlyAtTheSeamIsKept() throws {
        let result = try Self.stitcher.stitch([Self.chunk(0, transitions: []), Self.chunk(1, transitions: [Self.cut(75)])])
        #expect(result.shots?.transitions == [Self.cut(75)])
        #expect(result.shots?.shots.map(\.startFrame) == [0, 75])
    }

    @Test func partsOfOneTransitionFromTwoChunksAreMerged() throws {
        // Chunk 0 saw the first part of a dissolve, chunk 1 all of it: one transition, as one detector would report.
        let result = try Self.stitcher.stitch([
            Self.chunk(0, transitions: [ShotTransition(type: .dissolve, startFrame: 60, endFrame: 66)]),
            Self.chunk(1, transitions: [ShotTransition(type: .dissolve, startFrame: 60, endFrame: 72)]),
        ])
        #expect(result.shots?.transitions == [ShotTransition(type: .dissolve, startFrame: 60, endFrame: 72)])
    }

    @Test func aSpeechIntervalCutByASeamIsOne() throws {
        let result = try Self.stitcher.stitch([
            Self.chunk(0, speech: [SpeechSegment(start: 0.5, end: 1.2), SpeechSegment(start: 2.1, end: 3.0)]),
            Self.chunk(1, speech: [SpeechSegment(start: 3.0, end: 6.0)]),
            Self.chunk(2, speech: [SpeechSegment(start: 6.04, end: 6.8), SpeechSegment(start: 7.5, end: 8.0)]),
        ])
        #expect(result.speech == [SpeechSegment(start: 0.5, end: 1.2), SpeechSegment(start: 2.1, end: 6.8), SpeechSegment(start: 7.5, end: 8.0)])
    }

    @Test func speechSeparatedBySilenceAtASeamStaysApart() throws {
        let result = try Self.stitcher.stitch([
            Self.chunk(0, speech: [SpeechSegment(start: 1, end: 2.7)]),
            Self.chunk(1, speech: [SpeechSegment(start: 3.02, end: 4)]),
        ])
        #expect(result.speech?.count == 2)
    }

    @Test func aFaceAcrossASeamIsOneTrackEvenWhenEachSideIsTooShortToCount() throws {
        // Two samples on each side: neither chunk alone has the three a track needs, the file does.
        let face = Face(box: BoundingBox(x: 100, y: 50, width: 80, height: 80), score: 0.9, keypoints: [])
        let result = try Self.stitcher.stitch([
            Self.chunk(0, faces: [FaceSample(time: Self.time(65), faces: [face]), FaceSample(time: Self.time(70), faces: [face])]),
            Self.chunk(1, faces: [FaceSample(time: Self.time(75), faces: [face]), FaceSample(time: Self.time(80), faces: [face])]),
        ])
        let tracks = try #require(result.faceTracks)
        #expect(tracks.count == 1)
        #expect(tracks.first?.start == Self.time(65))
        #expect(tracks.first?.end == Self.time(80))
    }

    @Test func safetySegmentsJoinAcrossASeam() throws {
        let detection = NudeNet.Detection(label: "FEMALE_BREAST_EXPOSED", score: 0.8, box: BoundingBox(x: 0, y: 0, width: 10, height: 10))
        let result = try Self.stitcher.stitch([
            Self.chunk(0, safety: [SafetySample(time: Self.time(50), detections: [detection]), SafetySample(time: Self.time(70), detections: [detection])]),
            Self.chunk(1, safety: [SafetySample(time: Self.time(80), detections: [detection])]),
        ])
        #expect(result.safety?.segments == [SafetySegment(label: "FEMALE_BREAST_EXPOSED", start: 2, end: 3.2, maxScore: 0.8)])
        #expect(result.safety?.rating == .unsafe)
    }

    @Test func missingOrMisorderedChunksAreRejected() {
        #expect(throws: PlayheadError.self) { try Self.stitcher.stitch([]) }
        #expect(throws: PlayheadError.self) { try Self.stitcher.stitch([Self.chunk(1)]) }
        #expect(throws: PlayheadError.self) { try Self.stitcher.stitch([Self.chunk(0), Self.chunk(2)]) }
        #expect(throws: PlayheadError.self) { try Self.stitcher.stitch([Self.chunk(0, transitions: []), Self.chunk(1)]) }
    }

    @Test func chunkResultsSurviveJSON() throws {
        let face = Face(box: BoundingBox(x: 1, y: 2, width: 3, height: 4), score: 0.5, keypoints: [Point(x: 1, y: 1)])
        let original = Self.chunk(1, transitions: [Self.cut(80)], faces: [FaceSample(time: Self.time(80), faces: [face])],
                                  speech: [SpeechSegment(start: 3, end: 4)])
        let decoded = try JSONDecoder().decode(ChunkResult.self, from: try JSONEncoder().encode(original))
        #expect(decoded == original)
    }
}
