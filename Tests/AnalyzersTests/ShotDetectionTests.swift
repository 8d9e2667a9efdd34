import Analyzers
import Foundation
import TestSupport
import Testing

/// Shot boundaries on short lavfi clips whose every boundary is known from how they were made (320x180, 25 fps).
@Suite struct ShotDetectionTests {
    static let size = "320x180"
    static let encode = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-an"]

    /// Three different sources joined by hard cuts: 30 frames of testsrc2, 25 of SMPTE bars, 30 of a Mandelbrot zoom.
    static func cuts() throws -> String {
        try TestMedia.fixture("shots_cuts.mp4", ffmpeg: [
            "-filter_complex",
            "testsrc2=s=\(size):r=25,trim=end_frame=30[a];smptebars=s=\(size):r=25,trim=end_frame=25[b];"
                + "mandelbrot=s=\(size):r=25,trim=end_frame=30[c];[a][b][c]concat=n=3:v=1:a=0,format=yuv420p",
        ] + encode)
    }

    /// 50 frames of testsrc2 then 50 of SMPTE bars joined by a 15-frame xfade of `kind` starting at frame 30.
    static func gradual(_ kind: String) throws -> String {
        try TestMedia.fixture("shots_\(kind).mp4", ffmpeg: [
            "-filter_complex",
            "testsrc2=s=\(size):r=25,trim=end_frame=50,settb=1/25,setpts=N[a];"
                + "smptebars=s=\(size):r=25,trim=end_frame=50,settb=1/25,setpts=N[b];"
                + "[a][b]xfade=transition=\(kind):duration=0.6:offset=1.2,format=yuv420p",
        ] + encode)
    }

    @Test func hardCutsAreFoundAtTheirFrame() async throws {
        let result = try await ShotAnalysis.run(path: try Self.cuts())
        #expect(result.frameCount == 85)
        try #require(result.transitions.count == 2, "\(result.transitions)")
        for (transition, firstNew) in zip(result.transitions, [30, 55]) {
            #expect(transition.type == .cut)
            #expect(abs(transition.endFrame - firstNew) <= 1, "\(transition) should end at \(firstNew)")
            #expect(transition.endFrame == transition.startFrame + 1)
        }
    }

    @Test func aDissolveIsOneDissolve() async throws {
        let result = try await ShotAnalysis.run(path: try Self.gradual("fade"))
        try #require(result.transitions.count == 1, "\(result.transitions)")
        let dissolve = result.transitions[0]
        #expect(dissolve.type == .dissolve)
        // xfade: frame 30 is the last of the first clip alone, frame 45 the first of the second alone.
        #expect(abs(dissolve.startFrame - 30) <= 2 && abs(dissolve.endFrame - 45) <= 2, "\(dissolve)")
        #expect(result.shots.count == 2)
    }

    @Test func aFadeThroughBlackIsOneFade() async throws {
        let result = try await ShotAnalysis.run(path: try Self.gradual("fadeblack"))
        try #require(result.transitions.count == 1, "\(result.transitions)")
        let fade = result.transitions[0]
        #expect(fade.type == .fade)
        #expect(fade.startFrame >= 28 && fade.endFrame <= 47 && fade.startFrame < fade.endFrame, "\(fade)")
    }

    @Test func aBriefWhiteFlashIsNotATransition() async throws {
        let path = try TestMedia.fixture("shots_flash.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=s=\(Self.size):r=25", "-frames:v", "75",
            "-vf", "lutyuv=y='clip(val*1.3+70,0,255)':enable='between(n,30,31)'",
        ] + Self.encode)
        let result = try await ShotAnalysis.run(path: path)
        #expect(result.transitions.isEmpty, "\(result.transitions)")
        #expect(result.shots.count == 1)
        // The flash itself must be visible to the detector, or this test proves nothing.
        #expect(result.scores[30] > 0.2, "flash frame change \(result.scores[30])")
    }

    @Test func aFastPanIsNotATransition() async throws {
        // A 320x180 window panning in 0.6 s across a 960x270 picture whose left half is a test pattern and right
        // half colour bars: the histogram changes as much as at a cut, the way a whip pan to a new subject does.
        let path = try TestMedia.fixture("shots_pan.mp4", ffmpeg: [
            "-filter_complex",
            "testsrc2=s=480x270:r=25[l];smptebars=s=480x270:r=25[r];[l][r]hstack,"
                + "crop=320:180:x='(iw-ow)*clip((n-30)/15,0,1)':y='(ih-oh)*clip((n-30)/15,0,1)',trim=end_frame=75",
        ] + Self.encode)
        let result = try await ShotAnalysis.run(path: path)
        #expect(result.transitions.isEmpty, "\(result.transitions)")
    }

    @Test func aOneFrameVideoIsOneShot() async throws {
        let path = try TestMedia.fixture("shots_one_frame.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=s=\(Self.size):r=25", "-frames:v", "1",
        ] + Self.encode)
        let result = try await ShotAnalysis.run(path: path)
        #expect(result.shots.map { [$0.startFrame, $0.endFrame] } == [[0, 0]])
        #expect(result.transitions.isEmpty)
        #expect(result.shots.first.map { abs($0.end - 0.04) < 1e-9 } == true)
    }

    @Test func shotsPartitionTheFrames() async throws {
        for path in [try Self.cuts(), try Self.gradual("fade"), try Self.gradual("fadeblack")] {
            let result = try await ShotAnalysis.run(path: path)
            #expect(result.scores.count == result.frameCount)
            #expect(result.shots.first?.startFrame == 0)
            #expect(result.shots.last?.endFrame == result.frameCount - 1)
            for (index, (shot, next)) in zip(result.shots, result.shots.dropFirst()).enumerated() {
                #expect(shot.index == index && next.startFrame == shot.endFrame + 1, "\(shot) then \(next)")
                #expect(abs(next.start - shot.end) < 1e-9)
            }
            #expect(result.shots.count == result.transitions.count + 1)
        }
    }

    @Test func reportUsesTheDocumentedKeys() throws {
        let transition = ShotTransition(type: .fade, startFrame: 3, endFrame: 9)
        let shot = Shot(index: 0, startFrame: 0, endFrame: 5, start: 0, end: 0.24)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(transition), as: UTF8.self) == #"{"end_frame":9,"start_frame":3,"type":"fade"}"#)
        #expect(String(decoding: try encoder.encode(shot), as: UTF8.self) == #"{"end":0.24,"end_frame":5,"index":0,"start":0,"start_frame":0}"#)
    }
}
