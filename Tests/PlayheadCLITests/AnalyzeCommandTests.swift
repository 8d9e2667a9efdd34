import Foundation
import PlayheadCore
import Testing
import TestSupport

/// `playhead analyze` end to end on awkward but valid media: one frame, and a 4K phone video stored
/// sideways with rotation metadata.
@Suite struct AnalyzeCommandTests {
    func analyze(_ path: String, _ features: String, extra: [String] = []) async throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: try await report(path, features, extra: extra)) as? [String: Any])
    }

    /// The JSON report's bytes; a fresh feature store unless `store` is given.
    func report(_ path: String, _ features: String, extra: [String] = [], store: String? = nil) async throws -> Data {
        try await run(path, features, extra: extra, store: store).report
    }

    func run(_ path: String, _ features: String, extra: [String] = [], store: String? = nil) async throws -> (report: Data, log: String) {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let report = scratch.appendingPathComponent("report.json").path
        let storePath = store ?? scratch.appendingPathComponent("store.db").path
        let arguments = ["analyze", path, "--features", features, "--json", report, "--store", storePath] + extra
        let result = try await ExternalProcess.run(CommandLineErrorTests.binary, arguments, operation: "playhead analyze")
        try #require(result.status == 0, "\(result.standardError)")
        return (try Data(contentsOf: URL(fileURLWithPath: report)), result.standardError)
    }

    /// The second analysis of a file reads every feature from the store: nothing is decoded or run, and
    /// the report is the same bytes. A new parameter for one feature recomputes that feature only.
    @Test func reanalysisComesFromTheStore() async throws {
        let scratch = try TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let store = scratch.appendingPathComponent("store.db").path
        let path = try TestMedia.fixture("speech_video.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-i", try TestMedia.speechClip(), "-shortest",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        ])
        let cold = try await run(path, "shots,faces,speech", store: store)
        #expect(cold.log.contains("computed shots, faces, speech in 1 chunk(s)"), "\(cold.log)")
        let warm = try await run(path, "shots,faces,speech", store: store)
        #expect(!warm.log.contains("frames decoded"), "nothing was decoded: \(warm.log)")
        #expect(warm.log.contains("from the store") && warm.log.contains("shots, faces, speech; nothing computed"), "\(warm.log)")
        #expect(warm.report == cold.report)
        let faster = try await run(path, "shots,faces,speech", extra: ["--fps", "2"], store: store)
        #expect(faster.log.contains("computed faces in 1 chunk(s)") && faster.log.contains("from the store (") && faster.log.contains("shots, speech;"),
                "\(faster.log)")
    }

    /// 2 s chunks on a 6 s clip with a keyframe every second and a cut on a seam (at 2 s) and one
    /// three frames before a seam: the report is the whole-file report, byte for byte.
    @Test func chunkedAnalysisWritesTheWholeFileReport() async throws {
        let path = try TestMedia.fixture("cuts_near_seams_6s.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
            "-loop", "1", "-framerate", "25", "-t", "1.88", "-i", TestMedia.astronautPhoto,
            "-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=25",
            "-filter_complex", "[0:v]format=yuv420p,setsar=1[a];[1:v]scale=-2:360,pad=640:360:(ow-iw)/2:0,setsar=1,format=yuv420p[b];"
                + "[2:v]trim=duration=2.12,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[c];[a][b][c]concat=n=3:v=1:a=0[v]",
            "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
        ])
        let whole = try await report(path, "shots,faces,safety")
        let chunked = try await report(path, "shots,faces,safety", extra: ["--chunk-seconds", "2", "--workers", "2"])
        let transitions = (try JSONSerialization.jsonObject(with: whole) as? [String: Any])?["transitions"] as? [Any]
        #expect(transitions?.count == 2, "the clip's two cuts were not found: \(String(describing: transitions))")
        #expect(chunked == whole, "chunked: \(String(decoding: chunked, as: UTF8.self))")
    }

    @Test func aOneFrameVideoIsOneShot() async throws {
        let path = try TestMedia.fixture("one_frame.mp4", ffmpeg: ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-frames:v", "1",
                                                                  "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        let json = try await analyze(path, "shots,faces,safety")
        let shots = try #require(json["shots"] as? [[String: Any]])
        #expect(shots.count == 1 && shots.first?["start_frame"] as? Int == 0 && shots.first?["end_frame"] as? Int == 0, "\(shots)")
        #expect((json["transitions"] as? [Any])?.isEmpty == true)
        #expect((json["faces"] as? [Any])?.isEmpty == true)
        #expect((json["safety"] as? [String: Any])?["rating"] as? String == "safe")
    }

    /// The astronaut in a 2160x3840 portrait picture, stored as a 3840x2160 landscape stream turned a
    /// quarter clockwise, with metadata telling players to turn it back. Boxes and sizes must come back
    /// as a viewer sees the picture.
    @Test func a4KPortraitVideoWithRotationReportsDisplayedCoordinates() async throws {
        let path = try TestMedia.fixture("portrait_4k_rotated.mp4") { output in
            let scratch = try TestMedia.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: scratch) }
            let stored = scratch.appendingPathComponent("stored.mp4").path
            try TestMedia.run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-loop", "1", "-framerate", "5", "-t", "1", "-i", TestMedia.astronautPhoto,
                                         "-vf", "scale=2000:2000,pad=2160:3840:80:900,transpose=1,format=yuv420p",
                                         "-c:v", "libx264", "-preset", "ultrafast", stored])
            try TestMedia.run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", stored, "-c", "copy",
                                         "-metadata:s:v:0", "rotate=90", "-f", "mp4", output.path])
        }
        let json = try await analyze(path, "faces,shots")
        let media = try #require(json["media"] as? [String: Any])
        #expect(media["width"] as? Int == 2160 && media["height"] as? Int == 3840, "\(media)")
        let faces = try #require(json["faces"] as? [[String: Any]])
        let box = try #require((faces.first?["boxes"] as? [[String: Any]])?.first, "no face found: \(faces)")
        // The face of the photograph (160, 40, 120, 140 in 512 px) scaled by 2000/512 and moved by (80, 900).
        let expected = BoundingBox(x: 705, y: 1056, width: 469, height: 547)
        let found = BoundingBox(x: box["x"] as? Double ?? 0, y: box["y"] as? Double ?? 0, width: box["w"] as? Double ?? 0, height: box["h"] as? Double ?? 0)
        #expect(found.iou(expected) > 0.4, "face at \(found), expected near \(expected)")
    }
}
