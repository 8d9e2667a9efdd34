import Foundation

/// Test fixtures made on demand with the ffmpeg CLI and cached under `.cache/test-media`.
///
/// Each fixture is written to a temporary name and renamed into place, so parallel tests that ask for the
/// same fixture never see a half-written file.
public enum TestMedia {
    /// The package root (tests run from it under `swift test`; found from this file's path otherwise).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    public static let directory: URL = {
        let url = packageRoot.appendingPathComponent(".cache/test-media", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// A fresh empty directory for one test's scratch files.
    public static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("playhead-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Returns the path of fixture `name`, running `ffmpeg <arguments> <output>` once to make it.
    public static func fixture(_ name: String, ffmpeg arguments: [String]) throws -> String {
        let target = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: target.path) { return target.path }
        let temporary = directory.appendingPathComponent(".\(UUID().uuidString)-\(name)")
        try run("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments + [temporary.path])
        try publish(temporary, as: target)
        return target.path
    }

    /// Returns the path of fixture `name`, writing it with `make` once.
    public static func fixture(_ name: String, make: (URL) throws -> Void) throws -> String {
        let target = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: target.path) { return target.path }
        let temporary = directory.appendingPathComponent(".\(UUID().uuidString)-\(name)")
        try make(temporary)
        try publish(temporary, as: target)
        return target.path
    }

    /// Moves a finished fixture into place with rename(2), which replaces atomically: two tests that
    /// made the same fixture at once both succeed, and readers never see half a file.
    private static func publish(_ temporary: URL, as target: URL) throws {
        guard rename(temporary.path, target.path) == 0 else {
            throw FixtureError(message: "cannot move \(temporary.path) to \(target.path): errno \(errno)")
        }
    }

    /// Runs a program found on PATH; throws with its stderr when it fails.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(message: "\(program) \(arguments.joined(separator: " ")) failed: \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    // MARK: - The fixtures the suites share

    /// Two sentences spoken by espeak-ng (16 kHz mono WAV) with silence around them:
    /// 1.5 s of silence, sentence one, 3 s of silence, sentence two, 1.5 s of silence.
    public static func speechClip() throws -> String {
        try fixture("speech_two_sentences.wav") { output in
            let scratch = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: scratch) }
            let one = scratch.appendingPathComponent("one.wav").path, two = scratch.appendingPathComponent("two.wav").path
            try run("espeak-ng", ["-w", one, "The quick brown fox jumps over the lazy dog near the river bank."])
            try run("espeak-ng", ["-w", two, "Seven silver ships sailed slowly south."])
            try run("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", one, "-i", two, "-filter_complex",
                               "[0]aresample=16000,adelay=1500:all=1[a];[1]aresample=16000,adelay=3000:all=1[b];[a][b]concat=n=2:v=0:a=1,apad=pad_dur=1.5",
                               "-ac", "1", "-ar", "16000", "-f", "wav", output.path])
        }
    }

    /// The astronaut photograph (setup puts it in `.cache/photos`), a large frontal face.
    public static let astronautPhoto = packageRoot.appendingPathComponent(".cache/photos/astronaut.png").path

    /// 2 s of the astronaut photograph letterboxed into 640x360, then 2 s each of three synthetic sources
    /// (testsrc2, mandelbrot, life) at 25 fps: a face, then no face.
    public static func astronautThenPatterns() throws -> String {
        try fixture("astronaut_then_patterns.mp4", ffmpeg: [
            "-loop", "1", "-framerate", "25", "-t", "2", "-i", astronautPhoto,
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
            "-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=25",
            "-f", "lavfi", "-i", "life=size=640x360:rate=25:mold=10:ratio=0.3",
            "-filter_complex", "[0:v]scale=-2:360,pad=640:360:(ow-iw)/2:0,setsar=1[a];[2:v]trim=duration=2,setpts=PTS-STARTPTS[c];[3:v]trim=duration=2,setpts=PTS-STARTPTS,format=yuv420p[d];[a][1:v][c][d]concat=n=4:v=1:a=0,format=yuv420p[v]",
            "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast",
        ])
    }

    /// 2 s of testsrc2 at 30 fps, 320x240, H.264 with B-frames and a keyframe every 15 frames, AAC stereo tone.
    public static func clip30fps() throws -> String {
        try fixture("testsrc_30fps_2s.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-g", "15", "-sc_threshold", "0", "-bf", "2", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-ac", "2", "-shortest",
        ])
    }

    /// 2 s at 30000/1001 fps (NTSC), 320x240, H.264.
    public static func clipNTSC() throws -> String {
        try fixture("testsrc_ntsc_2s.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30000/1001", "-t", "2",
            "-c:v", "libx264", "-preset", "veryfast", "-g", "12", "-pix_fmt", "yuv420p",
        ])
    }

    /// 1280x720 H.264 at 30 fps for `seconds` seconds (benchmarks and scaling tests).
    public static func clip720p(seconds: Int = 4) throws -> String {
        try fixture("testsrc_720p_\(seconds)s.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-t", "\(seconds)",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        ])
    }

    /// 2 s of a 1 kHz tone, 44.1 kHz stereo PCM in WAV (exact sample counts).
    public static func toneWAV() throws -> String {
        try fixture("tone_44k_stereo_2s.wav", ffmpeg: [
            "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100", "-t", "2", "-ac", "2", "-c:a", "pcm_s16le",
        ])
    }

    /// An audio-only M4A (AAC), 2 s.
    public static func audioOnly() throws -> String {
        try fixture("tone_only.m4a", ffmpeg: ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "2", "-c:a", "aac"])
    }

    /// A zero-byte file named .mp4.
    public static func emptyFile() throws -> String {
        try fixture("empty.mp4") { try Data().write(to: $0) }
    }

    /// A text file named .mp4.
    public static func textAsMP4() throws -> String {
        try fixture("notes.mp4") { try Data("These are meeting notes, not a video.\n".utf8).write(to: $0) }
    }

    /// `clip30fps()` cut in half (the moov atom, at the end, is lost).
    public static func truncatedMP4() throws -> String {
        let source = try Data(contentsOf: URL(fileURLWithPath: try clip30fps()))
        return try fixture("truncated.mp4") { try source.prefix(source.count / 2).write(to: $0) }
    }

    /// A faststart MP4 (index first) cut in half: opens, then the data runs out mid-stream.
    public static func truncatedFaststartMP4() throws -> String {
        let full = try fixture("faststart.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "2", "-c:v", "libx264", "-preset", "veryfast",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart",
        ])
        let source = try Data(contentsOf: URL(fileURLWithPath: full))
        return try fixture("truncated_faststart.mp4") { try source.prefix(source.count / 2).write(to: $0) }
    }
}
