import Foundation
import MediaIO
import PlayheadCore
import TestSupport
import Testing

@Suite struct BadInputTests {
    func code(_ body: () throws -> Void) -> PlayheadError.Code? {
        do { try body() } catch let error as PlayheadError { return error.code } catch { return nil }
        return nil
    }

    @Test func missingFile() {
        #expect(code { _ = try MediaProbe.probe("/nonexistent/clip.mp4") } == .fileNotFound)
        #expect(code { _ = try VideoDecoder(path: "/nonexistent/clip.mp4") } == .fileNotFound)
    }

    @Test func zeroByteFile() throws {
        let path = try TestMedia.emptyFile()
        #expect(code { _ = try MediaProbe.probe(path) } == .emptyFile)
    }

    @Test func textFileNamedMP4() throws {
        let path = try TestMedia.textAsMP4()
        #expect(code { _ = try VideoDecoder(path: path) } == .unsupportedFormat)
    }

    @Test func truncatedMP4LosesItsIndex() throws {
        let path = try TestMedia.truncatedMP4()
        let failure = code { _ = try VideoDecoder(path: path) }
        #expect(failure == .unsupportedFormat || failure == .corruptMedia)
    }

    @Test func truncatedFaststartMP4FailsMidStreamWithoutCrashing() async throws {
        let path = try TestMedia.truncatedFaststartMP4()
        let info = try MediaProbe.probe(path)
        var decoded = 0
        do {
            for try await _ in VideoFrames(path: path) { decoded += 1 }
            Issue.record("decoded \(decoded) frames of a file cut in half without an error")
        } catch let error as PlayheadError {
            #expect(error.code == .corruptMedia)
            #expect(error.message.contains("truncated") || error.message.contains("damaged"))
        }
        #expect(decoded < Int(info.video?.frameCount ?? 0))
    }

    @Test func audioOnlyFileAskedForFrames() throws {
        let path = try TestMedia.audioOnly()
        #expect(code { _ = try VideoDecoder(path: path) } == .noVideoStream)
        #expect(try AudioDecoder(path: path).readAll().count > 30_000)
    }

    @Test func videoWithoutAudioAskedForSamples() throws {
        #expect(code { _ = try AudioDecoder(path: try TestMedia.clipNTSC()) } == .noAudioStream)
    }

    @Test func absurdRequestedSize() throws {
        let path = try TestMedia.clip30fps()
        #expect(code { _ = try VideoDecoder(path: path, format: FrameFormat(width: 100_000, height: 100_000)) } == .invalidArgument)
        #expect(code { _ = try VideoDecoder(path: path, format: FrameFormat(width: 0, height: 10)) } == .invalidArgument)
        #expect(code { _ = try VideoDecoder(path: path, format: FrameFormat(layout: .float32NCHW, std: [0, 1, 1])) } == .invalidArgument)
    }
}
