import Analyzers
import Foundation
import Inference
import MediaIO
import PlayheadCore
import TestSupport
import Testing

/// Silero VAD on real synthesized speech, and the hysteresis rules on fixed probabilities.
@Suite struct SpeechDetectionTests {
    static let repository = ModelRepository(root: TestMedia.packageRoot.appendingPathComponent("models").path)

    /// Where the clip is loud, from its own samples: 20 ms windows above -40 dBFS, gaps under 0.4 s
    /// bridged (pauses between words), so the two sentences come out as two spans.
    static func voicedSpans(_ path: String) throws -> [SpeechSegment] {
        let samples = try AudioDecoder(path: path).readAll()
        let window = 320
        var spans: [SpeechSegment] = []
        for start in stride(from: 0, to: samples.count - window, by: window) {
            let rms = (samples[start..<(start + window)].reduce(0) { $0 + $1 * $1 } / Float(window)).squareRoot()
            guard rms > 0.01 else { continue }
            let time = Double(start) / 16_000
            if let last = spans.last, time - last.end < 0.4 {
                spans[spans.count - 1].end = time + 0.02
            } else {
                spans.append(SpeechSegment(start: time, end: time + 0.02))
            }
        }
        return spans
    }

    static func overlap(_ a: SpeechSegment, _ b: SpeechSegment) -> Double {
        let intersection = max(0, min(a.end, b.end) - max(a.start, b.start))
        return intersection / (max(a.end, b.end) - min(a.start, b.start))
    }

    @Test func findsBothSentencesAndNothingInTheSilence() async throws {
        let path = try TestMedia.speechClip()
        let truth = try Self.voicedSpans(path)
        try #require(truth.count == 2, "the fixture should have two voiced spans, found \(truth)")
        let detector = try SpeechDetector(repository: Self.repository, core: InferenceCore())
        let segments = try await detector.detect(path: path)
        #expect(segments.count == 2, "\(segments) vs \(truth)")
        for (segment, voiced) in zip(segments, truth) {
            #expect(Self.overlap(segment, voiced) > 0.7, "\(segment) vs \(voiced)")
        }
        #expect(detector.modelID == "silero-vad@6.2.3")
    }

    @Test func oneProbabilityPerWindowOfTheWholeStream() async throws {
        // Decoded in 1 s blocks, the windows still tile the stream (the tail window zero-padded), and
        // the probabilities reach both extremes.
        let path = try TestMedia.speechClip()
        let detector = try SpeechDetector(repository: Self.repository, core: InferenceCore())
        let (streamed, count) = try await detector.probabilities(path: path)
        #expect(streamed.count == (count + SpeechDetector.window - 1) / SpeechDetector.window)
        #expect(streamed.contains { $0 > 0.9 } && streamed.contains { $0 < 0.1 })
    }

    @Test func audioWithoutAVoiceHasNoSpeech() async throws {
        let path = try TestMedia.fixture("tone_and_noise.wav", ffmpeg: [
            "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=16000:duration=3", "-f", "lavfi", "-i",
            "anoisesrc=color=pink:amplitude=0.05:sample_rate=16000:duration=3", "-filter_complex", "[0][1]concat=n=2:v=0:a=1",
        ])
        let segments = try await SpeechDetector(repository: Self.repository, core: InferenceCore()).detect(path: path)
        #expect(segments.isEmpty, "\(segments)")
    }

    @Test func aVideoWithoutAudioIsATypedError() async throws {
        let path = try TestMedia.fixture("silent_video.mp4", ffmpeg: ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "1", "-an"])
        let detector = try SpeechDetector(repository: Self.repository, core: InferenceCore())
        await #expect(throws: PlayheadError.self) { try await detector.detect(path: path) }
    }

    // MARK: - Segmentation rules on fixed probabilities (32 ms windows)

    static let windowSeconds = 0.032

    static func segments(_ probabilities: [Float], _ configure: (inout SpeechDetector.Segmentation) -> Void = { _ in }) -> [SpeechSegment] {
        var rules = SpeechDetector.Segmentation()
        rules.padding = 0
        configure(&rules)
        return SpeechDetector.segments(probabilities: probabilities, totalSamples: probabilities.count * 512, segmentation: rules)
    }

    @Test func hysteresisKeepsSpeechThroughDipsAboveTheLowThreshold() {
        // 0.4 is below 0.5 (no start) but above 0.35 (no end): a dip inside speech does not split it.
        let probabilities: [Float] = Array(repeating: 0, count: 5) + Array(repeating: 0.9, count: 10)
            + Array(repeating: 0.4, count: 10) + Array(repeating: 0.9, count: 10) + Array(repeating: 0, count: 10)
        let found = Self.segments(probabilities)
        #expect(found.count == 1)
        #expect(abs(found[0].start - 5 * Self.windowSeconds) < 1e-9)
        #expect(abs(found[0].end - 35 * Self.windowSeconds) < 1e-9)
    }

    @Test func shortSilencesJoinAndShortBlipsAreDropped() {
        // Two bursts 2 windows (64 ms < 100 ms) apart are one segment; a 3-window blip (96 ms < 250 ms) is dropped.
        let probabilities: [Float] = Array(repeating: 0.9, count: 10) + [0, 0] + Array(repeating: 0.9, count: 10)
            + Array(repeating: 0, count: 20) + [0.9, 0.9, 0.9] + Array(repeating: 0, count: 20)
        let found = Self.segments(probabilities)
        #expect(found.count == 1)
        #expect(abs(found[0].end - 22 * Self.windowSeconds) < 1e-9)
    }

    @Test func paddingMergesNeighboursAndAnOpenSegmentEndsWithTheAudio() {
        let probabilities: [Float] = Array(repeating: 0.9, count: 10) + Array(repeating: 0, count: 5) + Array(repeating: 0.9, count: 10)
        #expect(Self.segments(probabilities).count == 2)
        let padded = Self.segments(probabilities) { $0.padding = 0.1 }
        #expect(padded.count == 1)
        #expect(abs(padded[0].end - 25 * Self.windowSeconds) < 1e-9, "the last segment runs to the end of the audio")
    }
}
