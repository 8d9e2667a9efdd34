import Foundation
import MediaIO
import PlayheadCore
import TestSupport
import Testing

/// Decodes every frame of a file into memory (fixtures are short).
func decodeAll(_ path: String, format: FrameFormat = .rgb24, sampling: FrameSampling = .all,
               from: MediaTime? = nil, to: MediaTime? = nil) async throws -> [VideoFrame] {
    var frames: [VideoFrame] = []
    for try await frame in VideoFrames(path: path, format: format, sampling: sampling, from: from, to: to) { frames.append(frame) }
    return frames
}

@Suite struct ProbeTests {
    @Test func probesContainerVideoAndAudio() throws {
        let info = try MediaProbe.probe(try TestMedia.clip30fps())
        #expect(info.container.contains("mp4"))
        let video = try #require(info.video)
        #expect(video.codec == "h264")
        #expect(video.width == 320 && video.height == 240)
        #expect(video.frameRate == Rational(30, 1))
        #expect(video.frameCount == 60)
        #expect(video.frameCountIsExact)
        #expect(video.rotation == 0)
        let audio = try #require(info.audio)
        #expect(audio.codec == "aac" && audio.sampleRate == 44_100 && audio.channels == 2)
        #expect(abs((info.duration ?? 0) - 2) < 0.05)
        #expect(info.streams.map(\.type).sorted() == ["audio", "video"])
    }

    @Test func probesNTSCRateExactly() throws {
        let video = try #require(try MediaProbe.probe(try TestMedia.clipNTSC()).video)
        #expect(video.frameRate == Rational(30000, 1001))
        #expect(video.frameCount == 60)
    }

    @Test func probesRotation() throws {
        let path = try TestMedia.fixture("rotated.mp4", ffmpeg: ["-i", try TestMedia.clipNTSC(), "-c", "copy", "-metadata:s:v:0", "rotate=90"])
        // How FFmpeg turns the `rotate` tag into a display matrix changed between releases, so take
        // ffprobe's reading of the written matrix (counter-clockwise degrees) as the truth.
        let ffprobe = try TestMedia.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                    "stream_side_data=rotation", "-of", "csv=p=0", path])
        let counterClockwise = try #require(Int(ffprobe.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(counterClockwise % 180 != 0)
        #expect(try MediaProbe.probe(path).video?.rotation == ((-counterClockwise % 360) + 360) % 360)
    }

    @Test func estimatesFrameCountWhenContainerDoesNotSayAndFlagsIt() throws {
        let path = try TestMedia.fixture("stream.ts", ffmpeg: [
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-f", "mpegts",
        ])
        let video = try #require(try MediaProbe.probe(path).video)
        #expect(!video.frameCountIsExact)
        #expect(abs(video.frameCount - 50) <= 2)
    }
}

@Suite struct DecodeTests {
    @Test func everyFrameWithExactTimestamps() async throws {
        let frames = try await decodeAll(try TestMedia.clip30fps())
        #expect(frames.count == 60)
        for (k, frame) in frames.enumerated() {
            #expect(frame.index == Int64(k))
            #expect(frame.time == MediaTime(value: Int64(k), timescale: 30))
            #expect(frame.width == 320 && frame.height == 240)
            #expect(frame.pixels.rgb?.count == 320 * 240 * 3)
        }
        #expect(frames.filter(\.isKeyframe).map(\.index) == [0, 15, 30, 45])
    }

    @Test func ntscTimestampsAreExactRationals() async throws {
        let frames = try await decodeAll(try TestMedia.clipNTSC())
        #expect(frames.count == 60)
        for (k, frame) in frames.enumerated() {
            #expect(frame.index == Int64(k))
            #expect(frame.time == MediaTime(value: Int64(k) * 1001, timescale: 30000))
        }
        // No drift: the last frame is exactly 59 * 1001 / 30000 s, not 59 / 29.97 rounded.
        #expect(frames.last?.time.rational == Rational(59 * 1001, 30000))
    }

    @Test(arguments: [7, 15, 16, 29, 44, 59])
    func seekIsBitIdenticalToDecodingFromTheStart(target: Int) async throws {
        let path = try TestMedia.clip30fps()
        let all = try await decodeAll(path)
        let decoder = try VideoDecoder(path: path)
        try decoder.seek(to: decoder.time(ofFrame: Int64(target)))
        let frame = try #require(try decoder.nextFrame())
        #expect(frame.index == Int64(target))
        #expect(frame.time == all[target].time)
        #expect(frame.pixels.rgb == all[target].pixels.rgb)
        // Decoding continues in order after a seek, and seeking backwards works too.
        #expect(try decoder.nextFrame()?.index == Int64(min(target + 1, 60)) || target == 59)
        try decoder.seek(to: decoder.time(ofFrame: 3))
        #expect(try decoder.nextFrame()?.pixels.rgb == all[3].pixels.rgb)
    }

    @Test func decodesOnlyATimeRange() async throws {
        let path = try TestMedia.clip30fps()
        let frames = try await decodeAll(path, from: MediaTime(value: 1, timescale: 2), to: MediaTime(value: 1, timescale: 1))
        #expect(frames.map(\.index) == Array(15..<30))
        let all = try await decodeAll(path)
        #expect(frames.first?.pixels.rgb == all[15].pixels.rgb)
    }

    @Test func samplesAtATargetRate() async throws {
        let path = try TestMedia.clip30fps()
        let tenFPS = try await decodeAll(path, format: FrameFormat(width: 32, height: 24), sampling: .fps(Rational(10, 1)))
        #expect(tenFPS.map(\.index) == Array(stride(from: 0, to: 60, by: 3)))
        let sevenFPS = try await decodeAll(path, format: FrameFormat(width: 32, height: 24), sampling: .fps(Rational(7, 1)))
        // Nearest frames to k/7 s: round(30k/7).
        #expect(sevenFPS.map(\.index) == (0..<14).map { Int64((Double($0) * 30 / 7).rounded()) })
        let keyframes = try await decodeAll(path, format: FrameFormat(width: 32, height: 24), sampling: .keyframes)
        #expect(keyframes.map(\.index) == [0, 15, 30, 45])
        #expect(keyframes.allSatisfy { $0.isKeyframe })
    }

    /// A sampling decoder does not decode B-frames no sampler takes; the frames it returns must be the ones,
    /// bit for bit, that decoding every frame gives at the same indices.
    @Test(arguments: [(7, false), (10, false), (5, true), (12, true)])
    func sampledFramesAreBitIdenticalToThoseOfAFullDecode(rate: Int, ntsc: Bool) async throws {
        let path = try ntsc ? TestMedia.clipNTSC() : TestMedia.clip30fps()
        let format = FrameFormat(width: 64, height: 48)
        let all = try await decodeAll(path, format: format)
        let sampled = try await decodeAll(path, format: format, sampling: .fps(Rational(Int64(rate), 1)))
        #expect(sampled.count >= 2 * rate - 1)
        for frame in sampled {
            let full = try #require(all.first { $0.index == frame.index })
            #expect(frame.time == full.time)
            #expect(frame.pixels.rgb == full.pixels.rgb, "frame \(frame.index) at \(rate) fps")
        }
        // After a seek into the middle of a group of pictures, too.
        let decoder = try VideoDecoder(path: path, outputs: [FrameOutput(format: format, sampling: .fps(Rational(Int64(rate), 1)))])
        try decoder.seek(to: MediaTime(value: 7, timescale: 10))
        while let frame = try decoder.nextFrame() {
            #expect(frame.pixels.rgb == all.first { $0.index == frame.index }?.pixels.rgb, "frame \(frame.index) after the seek")
        }
    }

    @Test func samplingAfterASeekStartsOnTheGrid() async throws {
        let frames = try await decodeAll(try TestMedia.clip30fps(), format: FrameFormat(width: 32, height: 24),
                                         sampling: .fps(Rational(10, 1)), from: MediaTime(value: 11, timescale: 30))
        #expect(frames.first?.index == 12)
        #expect(frames.map(\.index) == Array(stride(from: 12, to: 60, by: 3)))
    }
}
