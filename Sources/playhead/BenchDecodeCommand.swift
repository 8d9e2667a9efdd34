import ArgumentParser
import Foundation
import MediaIO
import PlayheadCore

/// Decode + scale throughput against the ffmpeg command line doing the same work on the same file.
struct BenchDecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a 720p H.264 file and scale to 320x320 RGB: Playhead vs `ffmpeg -vf scale`, same run.",
        discussion: "Runs alternate (Playhead, ffmpeg, Playhead, …) so machine noise hits both; prints medians and the ratio."
    )

    @Option(help: "Input video (default: a generated 720p30 H.264 clip).") var file: String?
    @Option(help: "Length of the generated clip in seconds.") var seconds = 20
    @Option(help: "Rounds of each contender.") var rounds = 3
    @Option(help: "Output side in pixels.") var size = 320

    func run() async throws {
        try await reportingErrors {
            let path = if let file { file } else { try await generatedClip() }
            let info = try MediaProbe.probe(path)
            guard let video = info.video else { throw PlayheadError(.noVideoStream, "\(path) has no video") }
            print("input: \(path) — \(video.codec) \(video.width)x\(video.height) @ \(video.frameRate) fps, \(video.frameCount) frames")
            print("work:  decode + scale to \(size)x\(size) RGB24 (bicubic), all frames, auto threads\n")
            var ours: [Double] = [], theirs: [Double] = []
            for round in 1...max(rounds, 1) {
                let a = try await playhead(path)
                let b = try await ffmpeg(path)
                ours.append(a.fps)
                theirs.append(b.fps)
                print(String(format: "round %d: playhead %7.1f frames/s (%d frames)   ffmpeg %7.1f frames/s (%d frames)", round, a.fps, a.frames, b.fps, b.frames))
            }
            let (p, f) = (median(ours), median(theirs))
            print(String(format: "\nmedian: playhead %.1f frames/s, ffmpeg CLI %.1f frames/s, ratio playhead/ffmpeg = %.2f (target ≥ 0.90)", p, f, p / f))
        }
    }

    private func playhead(_ path: String) async throws -> (fps: Double, frames: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        var frames = 0
        for try await _ in VideoFrames(path: path, format: FrameFormat(width: size, height: size, filter: .bicubic)) { frames += 1 }
        return (Double(frames) / ((clock.now - start) / .seconds(1)), frames)
    }

    private func ffmpeg(_ path: String) async throws -> (fps: Double, frames: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        try await runTool("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-stats_period", "100", "-i", path,
                                            "-vf", "scale=\(size):\(size)", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "/dev/null"])
        let elapsed = (clock.now - start) / .seconds(1)
        let frames = try MediaProbe.probe(path).video?.frameCount ?? 0
        return (Double(frames) / elapsed, Int(frames))
    }

    private func generatedClip() async throws -> String {
        let directory = FileManager.default.currentDirectoryPath + "/.cache/bench"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/bench_720p30_\(seconds)s.mp4"
        if FileManager.default.fileExists(atPath: path) { return path }
        print("generating \(path) …")
        // Film-like grain keeps the bitrate (and decode cost) closer to camera footage than a clean test pattern.
        try await runTool("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30,noise=alls=12:allf=t",
                                   "-t", "\(seconds)", "-c:v", "libx264", "-preset", "medium", "-crf", "23", "-pix_fmt", "yuv420p",
                                   "-y", path + ".tmp.mp4"])
        try FileManager.default.moveItem(atPath: path + ".tmp.mp4", toPath: path)
        return path
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Runs a program from PATH to completion; a non-zero exit becomes `.toolFailed` with stderr's tail.
func runTool(_ program: String, _ arguments: [String]) async throws {
    let result = try await ExternalProcess.run(program, arguments, operation: "run \(program)")
    guard result.status == 0 else {
        throw PlayheadError(.toolFailed, "\(program) exited with \(result.status): \(result.errorTail)")
    }
}
