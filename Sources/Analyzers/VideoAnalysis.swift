import MediaIO
import PlayheadCore

/// Runs every requested video analyzer over one decode of a file.
///
/// Each frame is decoded once and converted per analyzer (its own size and sampling rate); model
/// work runs concurrently with decoding, at most `maxInFlight` frames at once across all analyzers,
/// so memory stays bounded whatever the length of the file. Results come back in time order.
public struct VideoAnalysis: Sendable {
    /// A model analyzer and how often it samples.
    public struct Lane<Detector: Sendable>: Sendable {
        public var detector: Detector
        public var sampling: FrameSampling

        public init(_ detector: Detector, sampling: FrameSampling) {
            self.detector = detector
            self.sampling = sampling
        }

        /// Samples a second of a stream at `frameRate` (keyframes: assumed one a second, as encoders
        /// for streaming place them); trackers need it to bridge a missed sample.
        func samplesPerSecond(frameRate: Double) -> Double {
            switch sampling {
            case .fps(let rate): min(rate.doubleValue, frameRate)
            case .all: frameRate
            case .keyframes: 1
            }
        }

        /// Samples about `fps` frames a second (to the millisecond).
        public init(_ detector: Detector, fps: Double) {
            self.init(detector, sampling: .fps(Rational(Int64((fps * 1000).rounded()), 1000)))
        }
    }

    /// Shot boundaries: fed every frame, in order, on the decoding task (it costs microseconds a frame).
    public var shots: ShotDetector?
    public var faces: Lane<FaceDetector>?
    public var text: Lane<TextReader>?
    public var safety: Lane<SafetyDetector>?
    /// Frames being analysed at once: enough to keep the infer-request pools busy, few enough to bound memory.
    public var maxInFlight: Int
    /// Decoder threads; 0 lets FFmpeg use one per core.
    public var decoderThreads = 0

    public init(shots: ShotDetector? = nil, faces: Lane<FaceDetector>? = nil, text: Lane<TextReader>? = nil,
                safety: Lane<SafetyDetector>? = nil, maxInFlight: Int = 6) {
        self.shots = shots
        self.faces = faces
        self.text = text
        self.safety = safety
        self.maxInFlight = max(1, maxInFlight)
    }

    /// What the analyzers found; nil for analyzers that were not requested.
    public struct Result: Sendable {
        public var shots: ShotResult?
        public var faceTracks: [FaceTrack]?
        public var text: [TextItem]?
        public var safety: (segments: [SafetySegment], rating: SafetyRating)?
        /// Frames decoded (every frame of the stream when shots are requested, else the sampled ones).
        public var framesDecoded = 0
        /// What each sampled frame held, in time order, before tracking: results of parts of a file are
        /// joined by tracking over all their samples (`Jobs`).
        public var faceSamples: [(time: MediaTime, faces: [Face])]?
        public var textSamples: [(time: MediaTime, lines: [TextLine])]?
        public var safetySamples: [(time: MediaTime, detections: [NudeNet.Detection])]?
    }

    /// True when no analyzer needs video frames.
    public var isEmpty: Bool { shots == nil && faces == nil && text == nil && safety == nil }

    /// Analyses the frames of `path` with `start <= time < end` (nil bounds are open); `progress` is
    /// called with each decoded frame's time, in decode order. Shot frame indices count from the first frame.
    public func run(path: String, from start: MediaTime? = nil, to end: MediaTime? = nil,
                    progress: @Sendable (MediaTime) -> Void = { _ in }) async throws -> Result {
        var result = Result()
        guard !isEmpty else { return result }
        var outputs: [FrameOutput] = []
        func output(_ format: FrameFormat, _ sampling: FrameSampling) -> Int {
            outputs.append(FrameOutput(format: format, sampling: sampling))
            return outputs.count - 1
        }
        var shotDetector = shots
        let shotOutput = shots.map { _ in output(ShotDetector.frameFormat, .all) }
        let faceOutput = faces.map { output($0.detector.frameFormat, $0.sampling) }
        // Text and safety frames follow the picture's shape, so they ask the file first.
        let video = text == nil && safety == nil ? nil : try MediaProbe.probe(path).video
        let safetyOutput = try safety.map { lane in
            guard let video else { throw PlayheadError(.noVideoStream, "\(path) has no video stream to check") }
            return output(lane.detector.frameFormat(sourceWidth: video.displayWidth, sourceHeight: video.displayHeight), lane.sampling)
        }
        let textOutput = try text.map { lane in
            guard let video else {
                throw PlayheadError(.noVideoStream, "\(path) has no video stream to read text in")
            }
            let index = output(TextReader.frameFormat(sourceWidth: video.displayWidth, sourceHeight: video.displayHeight), lane.sampling)
            return (index: index, rate: lane.samplesPerSecond(frameRate: video.frameRate.doubleValue))
        }

        var faceFrames: [(time: MediaTime, faces: [Face])] = []
        var safetyFrames: [(time: MediaTime, detections: [NudeNet.Detection])] = []
        var textFrames: [(time: MediaTime, lines: [TextLine])] = []
        let faces = self.faces, safety = self.safety, text = self.text
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            var inFlight = 0
            func collect(_ outcome: Outcome) {
                switch outcome {
                case .faces(let time, let found): faceFrames.append((time, found))
                case .safety(let time, let found): safetyFrames.append((time, found))
                case .text(let time, let lines): textFrames.append((time, lines))
                }
                inFlight -= 1
            }
            func submit(_ work: @escaping @Sendable () async throws -> Outcome) async throws {
                while inFlight >= maxInFlight, let done = try await group.next() { collect(done) }
                group.addTask(operation: work)
                inFlight += 1
            }
            for try await set in VideoFrameSets(path: path, outputs: outputs, from: start, to: end, threads: decoderThreads) {
                result.framesDecoded += 1
                progress(set.time)
                if let index = shotOutput, let frame = set.frames[index] { shotDetector?.add(frame) }
                if let faces, let index = faceOutput, let frame = set.frames[index] {
                    try await submit { .faces(frame.time, try await faces.detector.detect(frame)) }
                }
                if let text, let index = textOutput?.index, let frame = set.frames[index] {
                    try await submit { .text(frame.time, try await text.detector.read(frame)) }
                }
                if let safety, let index = safetyOutput, let frame = set.frames[index] {
                    try await submit { .safety(frame.time, try await safety.detector.detect(frame)) }
                }
            }
            for try await done in group { collect(done) }
        }
        result.shots = shotDetector?.finish()
        if self.faces != nil {
            faceFrames.sort { $0.time < $1.time }
            result.faceTracks = FaceTracker.tracks(of: faceFrames)
            result.faceSamples = faceFrames
        }
        if let textOutput {
            textFrames.sort { $0.time < $1.time }
            result.text = TextTracker.items(of: textFrames, samplesPerSecond: textOutput.rate)
            result.textSamples = textFrames
        }
        if self.safety != nil {
            safetyFrames.sort { $0.time < $1.time }
            result.safety = SafetyAnalysis.summary(of: safetyFrames)
            result.safetySamples = safetyFrames
        }
        return result
    }

    private enum Outcome: Sendable {
        case faces(MediaTime, [Face])
        case safety(MediaTime, [NudeNet.Detection])
        case text(MediaTime, [TextLine])
    }
}
