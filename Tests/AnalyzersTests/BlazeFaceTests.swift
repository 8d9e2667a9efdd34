import Analyzers
import PlayheadCore
import Testing

@Suite struct BlazeFaceTests {
    @Test func anchorLayoutsMatchTheModels() {
        let short = BlazeFace.anchors(for: .shortRange)
        #expect(short.count == 896)
        // 16×16 cells with 2 anchors, then 8×8 cells with 6.
        #expect(short[0] == BlazeFace.Anchor(x: 0.5 / 16, y: 0.5 / 16) && short[1] == short[0])
        #expect(short[2] == BlazeFace.Anchor(x: 1.5 / 16, y: 0.5 / 16))
        #expect(short[512] == BlazeFace.Anchor(x: 0.5 / 8, y: 0.5 / 8) && short[517] == short[512])
        #expect(short[518] == BlazeFace.Anchor(x: 1.5 / 8, y: 0.5 / 8))
        let full = BlazeFace.anchors(for: .fullRange)
        #expect(full.count == 2304)
        #expect(full[49] == BlazeFace.Anchor(x: 1.5 / 48, y: 1.5 / 48))
    }

    @Test func decodesBoxesAndKeypointsRelativeToAnchors() {
        let anchors = [BlazeFace.Anchor(x: 0.25, y: 0.5), BlazeFace.Anchor(x: 0.75, y: 0.5)]
        var regressors = [Float](repeating: 0, count: 32)
        // Anchor 0: centre shifted +12.8 px (0.1) right, box 64×32 px of a 128 input; keypoint 0 at the anchor.
        regressors[0] = 12.8
        regressors[2] = 64
        regressors[3] = 32
        let scores: [Float] = [2, -2] // sigmoid: 0.88, 0.12
        let detections = BlazeFace.decode(regressors: regressors, scores: scores, anchors: anchors, inputSize: 128, minScore: 0.5)
        #expect(detections.count == 1)
        let face = try! #require(detections.first)
        #expect(abs(face.box.x - 0.1) < 1e-6 && abs(face.box.y - 0.375) < 1e-6)
        #expect(abs(face.box.width - 0.5) < 1e-6 && abs(face.box.height - 0.25) < 1e-6)
        #expect(abs(Double(face.score) - 1 / (1 + exp(-2))) < 1e-6)
        #expect(face.keypoints.count == 6 && face.keypoints[0] == Point(x: 0.25, y: 0.5))
    }

    @Test func weightedSuppressionMergesOverlapsAndKeepsSeparateFaces() {
        func detection(_ x: Double, _ score: Float) -> BlazeFace.Detection {
            .init(box: BoundingBox(x: x, y: 0, width: 1, height: 1), score: score, keypoints: [Point(x: x, y: 0)])
        }
        let merged = BlazeFace.weightedNonMaxSuppression([detection(0, 0.9), detection(0.1, 0.6), detection(5, 0.7)])
        #expect(merged.count == 2)
        #expect(merged[0].score == 0.9)
        // Score-weighted mean of x = 0 and 0.1 with weights 0.9 and 0.6: 0.06 / 1.5.
        // Scores are Float, so the weights carry Float rounding (~1e-8).
        #expect(abs(merged[0].box.x - 0.04) < 1e-6 && abs(merged[0].keypoints[0].x - 0.04) < 1e-6)
        #expect(merged[1].box.x == 5)
    }
}

@Suite struct FaceTrackerTests {
    func face(_ x: Double) -> Face { Face(box: BoundingBox(x: x, y: 0, width: 10, height: 10), score: 0.9, keypoints: []) }
    func t(_ tenths: Int64) -> MediaTime { MediaTime(value: tenths, timescale: 10) }

    @Test func linksOverlappingFacesAndSplitsOnGaps() {
        var tracker = FaceTracker(iouThreshold: 0.3, maxGap: MediaTime(value: 1, timescale: 2), minSamples: 1)
        tracker.update(time: t(0), faces: [face(0), face(100)])
        tracker.update(time: t(2), faces: [face(2), face(101)])
        tracker.update(time: t(4), faces: [face(4)])
        // Face at 100 unseen for 0.6 s > 0.5 s: its track closes; a face there again starts a new one.
        tracker.update(time: t(10), faces: [face(5), face(100)])
        let tracks = tracker.tracks()
        #expect(tracks.map(\.samples.count) == [3, 2, 1, 1])
        #expect(tracks[0].start == t(0) && tracks[0].end == t(4))
        #expect(tracks[1].end == t(2))
    }

    @Test func eachFaceJoinsAtMostOneTrack() {
        var tracker = FaceTracker(minSamples: 1)
        tracker.update(time: t(0), faces: [face(0), face(3)])
        tracker.update(time: t(1), faces: [face(1)])
        let tracks = tracker.tracks()
        #expect(tracks.map(\.samples.count) == [2, 1])
    }

    @Test func reportsOnlyTracksSeenInEnoughFrames() {
        var tracker = FaceTracker(minSamples: 3)
        tracker.update(time: t(0), faces: [face(0)])
        #expect(tracker.tracks().map(\.samples.count) == [1], "a single frame (a still image) needs only that frame")
        tracker.update(time: t(1), faces: [face(0), face(50)])
        tracker.update(time: t(2), faces: [face(0), face(50)])
        tracker.update(time: t(3), faces: [face(90)])
        // The face at 50 appears in 2 frames and the one at 90 in 1: both are flicker, not faces.
        let tracks = tracker.tracks()
        #expect(tracks.map(\.samples.count) == [3])
        #expect(tracks.map(\.id) == [0])
    }
}

import Foundation
