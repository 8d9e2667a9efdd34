import Analyzers
import Foundation
import Inference
import MediaIO
import PlayheadCore
import TestSupport
import Testing

/// Brand safety: NudeNet over a real video, and the segment and rating rules on fixed detections.
@Suite struct SafetyAnalysisTests {
    static let repository = ModelRepository(root: TestMedia.packageRoot.appendingPathComponent("models").path)
    static let astronaut = TestMedia.packageRoot.appendingPathComponent(".cache/photos/astronaut.png").path

    /// 2 s of the astronaut photograph (pillarboxed to 640x360), then 2 s of a test pattern.
    static func astronautThenPattern() throws -> String {
        try TestMedia.fixture("astronaut_then_testsrc.mp4", ffmpeg: [
            "-loop", "1", "-framerate", "25", "-t", "2", "-i", Self.astronaut,
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
            "-filter_complex", "[0:v]scale=-2:360,pad=640:360:(ow-iw)/2:0,setsar=1[a];[a][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]",
            "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast",
        ])
    }

    @Test func anEverydayVideoIsSafeAndItsFaceIsASegment() async throws {
        let path = try Self.astronautThenPattern()
        let detector = try SafetyDetector(repository: Self.repository, core: InferenceCore())
        let (segments, rating) = try await SafetyAnalysis(detector: detector).run(path: path)
        #expect(rating == .safe, "\(segments)")
        let face = segments.first { $0.label.hasPrefix("FACE_") }
        #expect(face != nil, "\(segments)")
        if let face { #expect(face.start < 0.6 && face.end < 2.0 && face.maxScore > 0.4, "\(face)") }
        #expect(detector.modelID == "nudenet-320n@3.4.2")
    }

    @Test func framesKeepTheirAspectWhenTheModelsSidesAreFree() {
        func size(_ width: Int, _ height: Int, _ shape: [Int] = [1, 3, -1, -1]) -> [Int] {
            let format = NudeNet.frameFormat(sourceWidth: width, sourceHeight: height, inputShape: shape)
            return [format.width ?? 0, format.height ?? 0]
        }
        #expect(size(640, 360) == [320, 192])
        #expect(size(1920, 1080) == [320, 192])
        #expect(size(360, 640) == [192, 320])
        #expect(size(640, 480) == [320, 256])
        #expect(size(500, 500) == [320, 320])
        #expect(size(4000, 10) == [320, 32])
        #expect(size(640, 360, [1, 3, 320, 320]) == [320, 320])
    }

    /// The detector is fully convolutional: the 16:9 frame at 320x192 must find what the 320x320
    /// letterbox of the same frame finds, in the same place.
    @Test func aWideFrameFindsWhatTheSquareLetterboxFinds() async throws {
        let path = try Self.astronautThenPattern()
        let detector = try SafetyDetector(repository: Self.repository, core: InferenceCore())
        func firstFrame(_ format: FrameFormat) async throws -> VideoFrame {
            for try await frame in VideoFrames(path: path, format: format) { return frame }
            throw PlayheadError(.corruptMedia, "no frame")
        }
        let wide = try await firstFrame(detector.frameFormat(sourceWidth: 640, sourceHeight: 360))
        #expect(wide.width == 320 && wide.height == 192)
        let inWide = try await detector.detect(wide)
        let inSquare = try await detector.detect(try await firstFrame(NudeNet.frameFormat))
        let face = try #require(inSquare.first { $0.label.hasPrefix("FACE_") }, "\(inSquare)")
        let same = try #require(inWide.first { $0.label == face.label }, "\(inWide)")
        #expect(same.box.iou(face.box) > 0.8 && abs(same.score - face.score) < 0.15, "\(same) vs \(face)")
    }

    static func detection(_ label: String, _ score: Double) -> NudeNet.Detection {
        NudeNet.Detection(label: label, score: score, box: BoundingBox(x: 0, y: 0, width: 10, height: 10))
    }

    @Test func samplesJoinIntoSegmentsAcrossOneMissedSample() {
        let samples: [(time: Double, detections: [NudeNet.Detection])] = [
            (0.0, [Self.detection("FACE_MALE", 0.5)]),
            (0.5, [Self.detection("FACE_MALE", 0.7), Self.detection("FEET_EXPOSED", 0.3)]),
            (1.0, []),
            (1.5, [Self.detection("FACE_MALE", 0.6)]),
            (4.0, [Self.detection("FACE_MALE", 0.4)]),
        ]
        let segments = SafetyAnalysis.segments(samples)
        #expect(segments == [
            SafetySegment(label: "FACE_MALE", start: 0, end: 1.5, maxScore: 0.7),
            SafetySegment(label: "FEET_EXPOSED", start: 0.5, end: 0.5, maxScore: 0.3),
            SafetySegment(label: "FACE_MALE", start: 4, end: 4, maxScore: 0.4),
        ])
    }

    @Test func ratingThresholds() {
        func rating(_ label: String, _ score: Double) -> SafetyRating {
            SafetyAnalysis.rating([SafetySegment(label: label, start: 0, end: 1, maxScore: score)])
        }
        #expect(rating("FACE_FEMALE", 0.99) == .safe)
        #expect(rating("FEMALE_BREAST_EXPOSED", 0.61) == .unsafe)
        #expect(rating("FEMALE_BREAST_EXPOSED", 0.5) == .caution)
        #expect(rating("FEMALE_BREAST_EXPOSED", 0.3) == .safe)
        #expect(rating("BELLY_EXPOSED", 0.7) == .caution)
        #expect(rating("BELLY_EXPOSED", 0.5) == .safe)
        #expect(SafetyAnalysis.rating([]) == .safe)
    }
}
