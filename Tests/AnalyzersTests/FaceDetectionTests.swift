import Analyzers
import Foundation
import Inference
import MediaIO
import PlayheadCore
import TestSupport
import Testing

/// Faces with the real BlazeFace models on real photographs (from the scikit-image wheel, fetched by setup).
@Suite(.serialized) struct FaceDetectionTests {
    static let repository = ModelRepository(root: TestMedia.packageRoot.appendingPathComponent("models").path)
    static let astronaut = TestMedia.packageRoot.appendingPathComponent(".cache/photos/astronaut.png").path
    /// Where Eileen Collins' face is in the 512×512 photograph (hand-measured, generous).
    static let astronautFace = BoundingBox(x: 160, y: 40, width: 120, height: 140)

    func detector(_ variant: BlazeFace.Variant) throws -> FaceDetector {
        try FaceDetector(variant: variant, repository: Self.repository, core: InferenceCore())
    }

    @Test(arguments: BlazeFace.Variant.allCases)
    func findsTheAstronautsFaceInThePhotograph(variant: BlazeFace.Variant) async throws {
        let detector = try detector(variant)
        let tracks = try await FaceAnalysis(detector: detector).run(path: Self.astronaut)
        #expect(tracks.count == 1)
        let sample = try #require(tracks.first?.samples.first)
        #expect(sample.score > 0.7)
        #expect(sample.box.iou(Self.astronautFace) > 0.4, "box \(sample.box)")
    }

    @Test func findsTheFaceThroughAVideoAndNoneInSyntheticPatterns() async throws {
        let path = try TestMedia.astronautThenPatterns()
        let tracks = try await FaceAnalysis(detector: try detector(.fullRange)).run(path: path)
        let two = MediaTime(value: 2, timescale: 1)
        #expect(tracks.contains { $0.start < two && $0.samples.count >= 8 }, "no steady face track in the photograph part: \(tracks)")
        let false_ = tracks.filter { $0.end >= two }
        #expect(false_.isEmpty, "faces reported in synthetic patterns: \(false_)")
    }

    @Test func cameramanIsFoundAsASmallFace() async throws {
        let path = TestMedia.packageRoot.appendingPathComponent(".cache/photos/camera.png").path
        let tracks = try await FaceAnalysis(detector: try detector(.fullRange)).run(path: path)
        #expect(!tracks.isEmpty)
    }

    @Test func wrongFrameFormatIsRejected() async throws {
        let detector = try detector(.shortRange)
        let frame = try #require(try VideoDecoder(path: Self.astronaut, format: FrameFormat(width: 64, height: 64)).nextFrame())
        await #expect(throws: PlayheadError.self) { try await detector.detect(frame) }
    }
}
