import Foundation
import MediaIO
import PlayheadCore
import TestSupport
import Testing

@Suite struct ConversionTests {
    @Test func floatLayoutsNormaliseTheSameRGB() async throws {
        let path = try TestMedia.clip30fps()
        let size = (w: 64, h: 48)
        let rgb = try #require(try await decodeAll(path, format: FrameFormat(width: size.w, height: size.h), to: MediaTime(value: 1, timescale: 30)).first?.pixels.rgb)
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        let nchw = try #require(try await decodeAll(path, format: FrameFormat(width: size.w, height: size.h, layout: .float32NCHW, mean: mean, std: std),
                                                    to: MediaTime(value: 1, timescale: 30)).first?.pixels.floats)
        let nhwc = try #require(try await decodeAll(path, format: FrameFormat(width: size.w, height: size.h, layout: .float32NHWC, mean: mean, std: std),
                                                    to: MediaTime(value: 1, timescale: 30)).first?.pixels.floats)
        let plane = size.w * size.h
        #expect(nchw.count == plane * 3 && nhwc.count == plane * 3)
        for pixel in stride(from: 0, to: plane, by: 97) {
            for c in 0..<3 {
                let expected = (Float(rgb[3 * pixel + c]) / 255 - mean[c]) / std[c]
                #expect(abs(nchw[c * plane + pixel] - expected) < 1e-6)
                #expect(abs(nhwc[3 * pixel + c] - expected) < 1e-6)
            }
        }
    }

    /// Our letterbox must match what the ffmpeg command line makes with scale + pad on the same frame.
    @Test func letterboxMatchesFFmpegScaleAndPad() async throws {
        let path = try TestMedia.clip720p()
        let ours = try #require(try await decodeAll(path, format: FrameFormat(width: 320, height: 320, resize: .letterbox(padding: 114)),
                                                    to: MediaTime(value: 1, timescale: 30)).first)
        #expect(ours.mapping.offsetY == 70 && ours.mapping.offsetX == 0)
        // Same swscale underneath; the CLI converts to RGB after scaling in YUV, we do both in one pass.
        let actual = try expectMatchesFFmpeg(ours, path: path, filter: ["-vf", "scale=320:180:flags=bicubic,pad=320:320:0:70:color=0x727272"])
        #expect(Array(actual.prefix(320 * 70 * 3)).allSatisfy { $0 == 114 })
        // Mapping back: the placed image covers the whole source.
        let back = ours.mapping.toSource(BoundingBox(x: 0, y: 70, width: 320, height: 180))
        #expect(abs(back.x) < 1e-9 && abs(back.y) < 1e-9 && abs(back.width - 1280) < 1e-9 && abs(back.height - 720) < 1e-9)
    }

    /// A phone video stored landscape with rotation metadata comes out as the viewer sees it, like
    /// ffmpeg's autorotate: pixels, sizes and the mapping back to (displayed) source pixels.
    @Test(arguments: [90, 180, 270])
    func rotationMetadataIsApplied(rotate: Int) async throws {
        let stored = try TestMedia.fixture("stored-landscape.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "color=blue:s=128x64:d=0.2:r=10", "-vf", "drawbox=x=0:y=0:w=48:h=16:color=red:t=fill",
            "-c:v", "libx264", "-pix_fmt", "yuv444p"])
        let path = try TestMedia.fixture("rotate-\(rotate).mp4", ffmpeg: ["-i", stored, "-c", "copy", "-metadata:s:v:0", "rotate=\(rotate)"])
        let ours = try #require(try await decodeAll(path, format: .rgb24, to: MediaTime(value: 1, timescale: 10)).first)
        let quarter = rotate != 180
        #expect(ours.width == (quarter ? 64 : 128) && ours.height == (quarter ? 128 : 64))
        #expect(ours.sourceWidth == ours.width && ours.sourceHeight == ours.height)
        try expectMatchesFFmpeg(ours, path: path, filter: [])
        // A letterboxed model frame maps back into displayed coordinates.
        let small = try #require(try await decodeAll(path, format: FrameFormat(width: 32, height: 32, resize: .letterbox(padding: 0)),
                                                     to: MediaTime(value: 1, timescale: 10)).first)
        let whole = small.mapping.toSource(BoundingBox(x: small.mapping.offsetX, y: small.mapping.offsetY,
                                                       width: Double(small.width) - 2 * small.mapping.offsetX,
                                                       height: Double(small.height) - 2 * small.mapping.offsetY))
        #expect(abs(whole.width - Double(ours.width)) < 1e-9 && abs(whole.height - Double(ours.height)) < 1e-9)
    }

    /// Checks our frame against the first frame the ffmpeg CLI makes of `path` with `filter`, within 3
    /// levels per channel; returns our pixels.
    @discardableResult
    func expectMatchesFFmpeg(_ ours: VideoFrame, path: String, filter: [String]) throws -> [UInt8] {
        let reference = try TestMedia.scratchDirectory().appendingPathComponent("reference.rgb")
        try TestMedia.run("ffmpeg", ["-nostdin", "-loglevel", "error", "-i", path, "-frames:v", "1"] + filter
                                     + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-y", reference.path])
        let expected = [UInt8](try Data(contentsOf: reference))
        let actual = try #require(ours.pixels.rgb)
        #expect(actual.count == expected.count)
        let differences = zip(actual, expected).map { abs(Int($0) - Int($1)) }
        #expect(differences.max() ?? 255 <= 3, "max difference \(differences.max() ?? -1)")
        return actual
    }

    @Test func jpegRoundTrip() async throws {
        let frame = try #require(try await decodeAll(try TestMedia.clip30fps(), to: MediaTime(value: 1, timescale: 30)).first)
        let jpeg = try JPEGEncoder.encode(frame, qscale: 2)
        #expect(jpeg.prefix(2) == Data([0xFF, 0xD8]) && jpeg.suffix(2) == Data([0xFF, 0xD9]))
        let file = try TestMedia.scratchDirectory().appendingPathComponent("thumb.jpg")
        try jpeg.write(to: file)
        let decoded = try #require(try VideoDecoder(path: file.path).nextFrame())
        #expect(decoded.width == 320 && decoded.height == 240)
        let a = try #require(frame.pixels.rgb), b = try #require(decoded.pixels.rgb)
        let meanError = Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
        #expect(meanError < 4, "mean absolute error \(meanError)")
    }

    @Test func audioResamplesToSixteenKilohertzMono() throws {
        // 2 s of 44.1 kHz stereo PCM → exactly 32000 mono samples.
        let samples = try AudioDecoder(path: try TestMedia.toneWAV()).readAll()
        #expect(abs(samples.count - 32_000) <= 1, "got \(samples.count) samples")
        // A 1 kHz tone crosses zero about 2000 times a second.
        let crossings = zip(samples, samples.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        #expect(abs(crossings - 4_000) < 40)
        #expect(samples.map(abs).max() ?? 0 > 0.05)
    }

    @Test func audioFromAnMP4StreamsInBlocks() async throws {
        var total = 0
        for try await block in AudioSamples(path: try TestMedia.clip30fps(), blockSize: 4_000) {
            #expect(!block.isEmpty)
            total += block.count
        }
        // AAC adds encoder priming; the decoded length stays within one AAC frame of 2 s.
        #expect(abs(total - 32_000) <= 1_024, "got \(total)")
    }

    @Test func mediaIDIsTheSHA256OfTheContent() throws {
        let path = try TestMedia.clip30fps()
        let id = try MediaID(contentsOf: path)
        let expected = try TestMedia.run("sha256sum", [path]).split(separator: " ").first.map(String.init)
        #expect(id.hex == expected)
        let copy = try TestMedia.scratchDirectory().appendingPathComponent("copy.mp4")
        try FileManager.default.copyItem(atPath: path, toPath: copy.path)
        #expect(try MediaID(contentsOf: copy.path) == id)
        #expect(try MediaID(contentsOf: try TestMedia.clipNTSC()) != id)
    }

    @Test func cancellingTheTaskStopsDecoding() async throws {
        let path = try TestMedia.clip720p(seconds: 10)
        let started = AsyncStream<Void>.makeStream()
        let resume = AsyncStream<Void>.makeStream()
        // The decoding task waits after its first frame until the test has cancelled it, so the
        // outcome never depends on which task a busy machine happens to schedule first.
        let task = Task {
            var count = 0
            for try await _ in VideoFrames(path: path) {
                count += 1
                if count == 1 {
                    started.continuation.yield()
                    for await _ in resume.stream {}
                }
            }
            return count
        }
        for await _ in started.stream { break }
        task.cancel()
        resume.continuation.finish()
        switch await task.result {
        case .success(let count): Issue.record("decoding finished all \(count) frames despite cancellation")
        case .failure(let error):
            #expect(error is CancellationError || (error as? PlayheadError)?.code == .cancelled)
        }
    }
}
