import CFFmpeg
import PlayheadCore

/// Decodes the primary audio stream and resamples it to mono Float32 (16 kHz by default, what speech models want).
public final class AudioDecoder {
    public let info: MediaInfo
    /// Output samples per second.
    public let sampleRate: Int
    private let format: FormatContext
    private let codec: CodecContext
    private let stream: UnsafeMutablePointer<AVStream>
    private let resampler: Resampler
    private let packet: Packet
    private let frame: Frame
    private var finished = false

    /// - Throws: `.noAudioStream` when the file has none; the open errors of `MediaProbe.probe`.
    public init(path: String, sampleRate: Int = 16_000) throws {
        guard (1_000...384_000).contains(sampleRate) else {
            throw PlayheadError(.invalidArgument, "audio sample rate \(sampleRate) is outside 1000...384000 Hz")
        }
        format = try FormatContext(path: path)
        info = MediaProbe.info(of: format)
        guard let stream = format.bestStream(AVMEDIA_TYPE_AUDIO) else {
            throw PlayheadError(.noAudioStream, "\(path) has no audio stream")
        }
        self.stream = stream
        for other in format.streams where other != stream { other.pointee.discard = AVDISCARD_ALL }
        self.sampleRate = sampleRate
        codec = try CodecContext(decoderFor: stream, threads: 1, path: path)
        resampler = try Resampler(input: codec.pointer, outputRate: Int32(sampleRate))
        packet = try Packet()
        frame = try Frame()
    }

    /// The next block of samples (at least `minimumCount` unless the stream ends); nil when done.
    public func nextSamples(minimumCount: Int = 16_000) throws -> [Float]? {
        guard !finished else { return nil }
        var samples: [Float] = []
        samples.reserveCapacity(minimumCount + 4096)
        while samples.count < minimumCount {
            if format.cancellation.isSet { throw PlayheadError(.cancelled, "decoding audio of \(format.path) was cancelled") }
            frame.unref()
            switch try codec.receive(into: frame) {
            case .frame:
                try resampler.convert(frame, appendingTo: &samples)
            case .endOfStream:
                try resampler.convert(nil, appendingTo: &samples)
                finished = true
                return samples.isEmpty ? nil : samples
            case .needInput:
                try feed()
            }
        }
        return samples
    }

    /// All samples of the stream. Memory grows with duration (64 KB a second at 16 kHz): use `nextSamples` for long files.
    public func readAll() throws -> [Float] {
        var all: [Float] = []
        while let block = try nextSamples(minimumCount: 1 << 16) { all.append(contentsOf: block) }
        return all
    }

    var cancellationFlag: CancellationFlag { format.cancellation }

    private func feed() throws {
        _ = try codec.feed(from: format, stream: stream.pointee.index, using: packet) { _, error in
            PlayheadError(.corruptMedia, "\(format.path): audio is damaged: \(error.message)")
        }
    }
}

@available(*, unavailable)
extension AudioDecoder: Sendable {}

/// Decoded audio as an `AsyncSequence` of sample blocks; cancelling the iterating task stops decoding.
public struct AudioSamples: AsyncSequence, Sendable {
    public typealias Element = [Float]
    public let path: String
    public let sampleRate: Int
    public let blockSize: Int

    public init(path: String, sampleRate: Int = 16_000, blockSize: Int = 16_000) {
        self.path = path
        self.sampleRate = sampleRate
        self.blockSize = blockSize
    }

    public func makeAsyncIterator() -> Iterator { Iterator(samples: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let samples: AudioSamples
        var decoder: DecodeThread<AudioDecoder>?
        var cancellation: CancellationFlag?

        public mutating func next() async throws -> [Float]? {
            try Task.checkCancellation()
            if decoder == nil {
                let samples = samples
                let opened = try await DecodeThread.open(label: "audio") { try AudioDecoder(path: samples.path, sampleRate: samples.sampleRate) }
                cancellation = try await opened.run { $0.cancellationFlag }
                decoder = opened
            }
            guard let decoder, let flag = cancellation else { return nil }
            let blockSize = samples.blockSize
            return try await withTaskCancellationHandler {
                try await decoder.run { try $0.nextSamples(minimumCount: blockSize) }
            } onCancel: {
                flag.set()
            }
        }
    }
}
