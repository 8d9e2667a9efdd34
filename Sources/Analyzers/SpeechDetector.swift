import Inference
import MediaIO
import PlayheadCore

/// A span of speech, in seconds from the start of the audio stream.
public struct SpeechSegment: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }
}

/// Speech intervals from Silero VAD (its OpenVINO-friendly 16 kHz export) run over the audio track.
///
/// The model sees 512 new samples per call (32 ms) prefixed by the previous call's last 64, and its
/// recurrent state is carried from call to call, so a file is one continuous stream however it is
/// decoded in blocks. Probabilities become segments with hysteresis (see `Segmentation`).
public final class SpeechDetector: Sendable {
    public static let sampleRate = 16_000
    public static let window = 512
    static let context = 64

    /// Model name and version, e.g. "silero-vad@6.2.3".
    public let modelID: String
    public let segmentation: Segmentation
    private let pool: InferRequestPool
    private let probabilityIndex: Int
    private let stateIndex: Int

    /// How probabilities become segments (Silero's own defaults).
    public struct Segmentation: Sendable, Hashable {
        /// Speech starts at a window with probability ≥ `threshold`...
        public var threshold: Float = 0.5
        /// ...and ends once probability stays below `threshold - 0.15` for `minSilence`.
        public var minSilence: Double = 0.1
        /// Shorter segments are dropped.
        public var minSpeech: Double = 0.25
        /// Added on both sides of each segment (segments that then touch are merged).
        public var padding: Double = 0.03

        public init() {}
    }

    public init(repository: ModelRepository, core: InferenceCore, segmentation: Segmentation = Segmentation()) throws {
        let manifest = try repository.manifest(named: "silero-vad")
        let model = try core.readModel(path: repository.modelPath(named: "silero-vad"))
        let compiled = try core.compile(model: model, options: CompileOptions(hint: .latency, threads: 1))
        guard compiled.inputs.map(\.name) == ["input", "state"],
              let probability = compiled.outputs.firstIndex(where: { $0.shape == [1, 1] }),
              let state = compiled.outputs.firstIndex(where: { $0.shape == [2, 1, 128] }) else {
            throw PlayheadError(.modelInvalid, "silero-vad inputs \(compiled.inputs) / outputs \(compiled.outputs) are not Silero VAD's")
        }
        modelID = "\(manifest.name)@\(manifest.version)"
        self.segmentation = segmentation
        probabilityIndex = probability
        stateIndex = state
        pool = try InferRequestPool(model: compiled, size: 1)
    }

    /// Speech segments of the audio track of `path`; `.noAudioStream` if it has none.
    public func detect(path: String) async throws -> [SpeechSegment] {
        let (probabilities, samples) = try await self.probabilities(path: path)
        return Self.segments(probabilities: probabilities, totalSamples: samples, segmentation: segmentation)
    }

    /// One speech probability per 32 ms window, and the number of samples decoded. Memory holds the
    /// probabilities (4 bytes per 32 ms), not the audio.
    public func probabilities(path: String) async throws -> (probabilities: [Float], samples: Int) {
        var probabilities: [Float] = []
        var state = [Float](repeating: 0, count: 2 * 128)
        var context = [Float](repeating: 0, count: Self.context)
        var pending: [Float] = []
        var total = 0
        func run(_ window: ArraySlice<Float>) async throws {
            let input = context + window
            let outputs = try await pool.infer([try Tensor(shape: [1, Self.context + Self.window], floats: input),
                                                try Tensor(shape: [2, 1, 128], floats: state)])
            probabilities.append(try outputs[probabilityIndex].floats()[0])
            state = try outputs[stateIndex].floats()
            context = Array(input.suffix(Self.context))
        }
        for try await block in AudioSamples(path: path, sampleRate: Self.sampleRate) {
            total += block.count
            pending += block
            var offset = 0
            while pending.count - offset >= Self.window {
                try await run(pending[offset..<(offset + Self.window)])
                offset += Self.window
            }
            pending.removeFirst(offset)
        }
        if !pending.isEmpty {
            // The last partial window is zero-padded, as Silero's own helper does.
            try await run(ArraySlice(pending + [Float](repeating: 0, count: Self.window - pending.count)))
        }
        return (probabilities, total)
    }

    /// Segments from per-window probabilities with hysteresis, minimum durations and padding.
    public static func segments(probabilities: [Float], totalSamples: Int, segmentation: Segmentation) -> [SpeechSegment] {
        let seconds = Double(window) / Double(sampleRate)
        let duration = Double(totalSamples) / Double(sampleRate)
        let low = max(segmentation.threshold - 0.15, 0.01)
        var raw: [(start: Double, end: Double)] = []
        var start: Double?
        var silenceSince: Double?
        for (index, probability) in probabilities.enumerated() {
            let time = Double(index) * seconds
            if probability >= segmentation.threshold {
                silenceSince = nil
                if start == nil { start = time }
            } else if let began = start, probability < low {
                let since = silenceSince ?? time
                silenceSince = since
                if time + seconds - since >= segmentation.minSilence {
                    raw.append((began, since))
                    start = nil
                    silenceSince = nil
                }
            }
        }
        if let began = start { raw.append((began, silenceSince ?? duration)) }
        var merged: [SpeechSegment] = []
        for segment in raw where segment.end - segment.start >= segmentation.minSpeech {
            let padded = SpeechSegment(start: max(0, segment.start - segmentation.padding), end: min(duration, segment.end + segmentation.padding))
            if let last = merged.last, padded.start <= last.end {
                merged[merged.count - 1].end = max(last.end, padded.end)
            } else {
                merged.append(padded)
            }
        }
        return merged
    }
}
