import MediaIO
import PlayheadCore
@testable import Sessions
import Testing
import TestSupport

/// The session decoder hands out the source frame nearest each analysis sample time, whether it gets
/// there by decoding forward or by seeking.
@Suite struct SessionDecoderTests {
    private let format = FrameFormat(width: 32, height: 24)

    @Test func forwardAndBackwardGiveTheSameFramesAt30FPS() async throws {
        // 30 fps source, 10 fps analysis: analysis frame k is source frame 3k, at exactly k/10 s.
        let decoder = try await SessionDecoder.open(path: try TestMedia.clip30fps(), formats: [format], fps: Rational(10, 1))
        for k in Int64(0)..<20 {
            let set = try #require(try await decoder.frames(at: k))
            #expect(set.index == 3 * k && set.frames[0]?.width == 32)
        }
        #expect(try await decoder.frames(at: 20) == nil, "the clip ends at 2 s")
        // Back before the cached frames (a seek), forward within reach (decoding on), back to the start.
        for k in [Int64(2), 17, 0, 9] {
            #expect(try await decoder.frames(at: k)?.index == 3 * k, "frame \(k)")
        }
    }

    @Test func ntscSamplesTakeTheNearestSourceFrame() async throws {
        // 30000/1001 fps: sample k/10 s falls between source frames; the nearest is round(k/10 × 30000/1001).
        let decoder = try await SessionDecoder.open(path: try TestMedia.clipNTSC(), formats: [format], fps: Rational(10, 1))
        let nearest = { (k: Int64) in Int64((Double(k) / 10 * 30000 / 1001).rounded()) }
        for k in Int64(0)..<19 {
            #expect(try await decoder.frames(at: k)?.index == nearest(k), "frame \(k)")
        }
        for k in [Int64(3), 15, 1] {
            #expect(try await decoder.frames(at: k)?.index == nearest(k), "frame \(k) after a jump")
        }
    }
}
