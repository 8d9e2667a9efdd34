import Analyzers
import Foundation
import Inference
import Jobs
import MediaIO
import PlayheadCore
import TestSupport
import Testing

/// Chunked analysis against a whole-file run, on a clip whose cuts sit at and near the chunk seams.
@Suite(.serialized) struct ChunkedAnalysisTests {
    static let repository = ModelRepository(root: TestMedia.packageRoot.appendingPathComponent("models").path)

    /// 12 s at 25 fps, 640x360, a keyframe every second (so 3 s chunks start at 3, 6 and 9 s). Shots:
    /// testsrc2 to 2.4 s (a cut inside the next chunk's overlap), SMPTE bars to 3.0 s (a cut on the
    /// seam), the astronaut to 5.88 s (a cut three frames before the seam at 6 s), the astronaut framed
    /// closer, mirrored and on white to 9.2 s (a face across two seams, a cut five frames after the seam at 9 s),
    /// then the Mandelbrot zoom.
    static func seamsClip() throws -> String {
        try TestMedia.fixture("seams_12s.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2.4",
            "-f", "lavfi", "-i", "smptebars=size=640x360:rate=25:duration=0.6",
            "-loop", "1", "-framerate", "25", "-t", "2.88", "-i", TestMedia.astronautPhoto,
            "-loop", "1", "-framerate", "25", "-t", "3.32", "-i", TestMedia.astronautPhoto,
            "-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=25",
            "-filter_complex", "[0:v]format=yuv420p,setsar=1[a];[1:v]format=yuv420p,setsar=1[b];"
                + "[2:v]scale=-2:360,pad=640:360:(ow-iw)/2:0,setsar=1,format=yuv420p[c];"
                + "[3:v]crop=300:300:70:0,scale=360:360,hflip,pad=640:360:280:0:color=white,setsar=1,format=yuv420p[d];"
                + "[4:v]trim=duration=2.8,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[e];[a][b][c][d][e]concat=n=5:v=1:a=0[v]",
            "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
        ])
    }

    @Test func keyframesAreReadFromPacketFlags() async throws {
        let index = try await KeyframeIndex.read(path: try Self.seamsClip())
        #expect(index.times == (0..<12).map { MediaTime(value: Int64($0), timescale: 1) })
    }

    @Test func keyframesOfAnAudioFileAreAnError() async throws {
        await #expect(throws: PlayheadError.self) { try await KeyframeIndex.read(path: try TestMedia.audioOnly()) }
    }

    @Test func chunkedShotsAndFacesEqualTheWholeFileRun() async throws {
        let path = try Self.seamsClip()
        let faces = try FaceDetector(variant: .fullRange, repository: Self.repository, core: InferenceCore())
        let analysis = VideoAnalysis(shots: ShotDetector(frameRate: 25), faces: .init(faces, fps: 5))
        let chunked = ChunkedAnalysis(analysis: analysis, planner: try JobPlanner(targetSeconds: 3, overlapSeconds: 1), workers: 2)

        let chunks = try await chunked.plan(path: path).chunks
        #expect(chunks.map(\.frames) == [0..<75, 75..<150, 150..<225, 225..<300])

        let whole = try await analysis.run(path: path)
        let stitched = try await chunked.run(path: path)

        let wholeShots = try #require(whole.shots), stitchedShots = try #require(stitched.shots)
        // The clip's cuts, so that agreement is not agreement on nothing.
        #expect(wholeShots.transitions.map(\.endFrame) == [60, 75, 147, 230], "\(wholeShots.transitions)")
        #expect(stitchedShots.transitions == wholeShots.transitions)
        #expect(stitchedShots.shots == wholeShots.shots)
        #expect(stitchedShots.frameCount == wholeShots.frameCount)
        let sameScores = stitchedShots.scores == wholeShots.scores
        #expect(sameScores, "per-frame shot scores differ")

        let wholeTracks = try #require(whole.faceTracks), stitchedTracks = try #require(stitched.faceTracks)
        #expect(!wholeTracks.isEmpty)
        #expect(wholeTracks.contains { $0.start.seconds <= 6 && $0.end.seconds >= 9 },
                "no face track across the seams at 6 and 9 s: \(wholeTracks.map { ($0.start.seconds, $0.end.seconds) })")
        #expect(stitchedTracks.count == wholeTracks.count)
        let sample = 0.2 + 1e-9
        for (a, b) in zip(stitchedTracks, wholeTracks) {
            #expect(abs(a.start.seconds - b.start.seconds) <= sample && abs(a.end.seconds - b.end.seconds) <= sample,
                    "track \(a.id): \(a.start.seconds)–\(a.end.seconds) chunked, \(b.start.seconds)–\(b.end.seconds) whole")
        }
    }

    @Test func oneChunkResultCarriesOnlyItsOwnSamplesInWholeFileFrames() async throws {
        let path = try Self.seamsClip()
        let faces = try FaceDetector(variant: .fullRange, repository: Self.repository, core: InferenceCore())
        let chunked = ChunkedAnalysis(analysis: VideoAnalysis(shots: ShotDetector(frameRate: 25), faces: .init(faces, fps: 5)),
                                      planner: try JobPlanner(targetSeconds: 3, overlapSeconds: 1), workers: 1)
        let chunk = try #require(try await chunked.plan(path: path).chunks.dropFirst(2).first)
        let result = try await chunked.analyse(path: path, chunk: chunk)
        #expect(result.frames == 150..<225)
        #expect(result.shotScores?.count == 75)
        // 1 s of overlap decoded before the chunk's own 3 s.
        #expect(result.framesDecoded == 100)
        #expect(result.transitions?.contains { $0.endFrame == 147 } == true)
        let times = try #require(result.faces).map(\.time.seconds)
        #expect(times.first == 6 && times.last == 8.8 && times.count == 15)
    }
}
