import MediaIO
import PlayheadCore

/// The JSON document `playhead analyze` writes (schema in the README). Times in seconds, boxes in source pixels.
public struct AnalysisReport: Sendable, Codable, Equatable {
    public struct Media: Sendable, Codable, Equatable {
        public var id: String
        public var path: String
        public var duration: Double?
        public var fps: Double?
        public var frameCount: Int64?
        public var width: Int?
        public var height: Int?

        /// The facts of `info`, in displayed orientation.
        public init(mediaID: MediaID, info: MediaInfo) {
            id = mediaID.hex
            path = info.path
            duration = info.duration ?? info.video?.duration
            fps = info.video?.frameRate.doubleValue
            frameCount = info.video?.frameCount
            width = info.video?.displayWidth
            height = info.video?.displayHeight
        }

        enum CodingKeys: String, CodingKey {
            case id, path, duration, fps, width, height
            case frameCount = "frame_count"
        }
    }

    public struct FaceTrackItem: Sendable, Codable, Equatable {
        public struct Box: Sendable, Codable, Equatable {
            public var t, x, y, w, h, score: Double
        }

        public var track: Int
        public var start: Double
        public var end: Double
        public var boxes: [Box]
    }

    public var media: Media
    /// Feature name → "model@version".
    public var models: [String: String]
    public var faces: [FaceTrackItem]?
    /// Speech intervals (seconds, rounded to milliseconds).
    public var speech: [SpeechSegment]?
    public var safety: Safety?
    /// Shots partitioning the frames, and the transitions between them (times in seconds, rounded to milliseconds).
    public var shots: [Shot]?
    public var transitions: [ShotTransition]?
    /// On-screen text items (seconds rounded to milliseconds, boxes to hundredths of a pixel).
    public var text: [TextItem]?
    /// Why a requested feature is empty when that is not an error (e.g. speech asked of a silent video).
    public var notes: [String]?

    /// Brand safety: the rating and the NudeNet classes seen, as time-ranged segments.
    public struct Safety: Sendable, Codable, Equatable {
        public var rating: SafetyRating
        public var segments: [SafetySegment]

        public init(rating: SafetyRating, segments: [SafetySegment]) {
            self.rating = rating
            self.segments = segments
        }
    }

    public init(mediaID: MediaID, info: MediaInfo, models: [String: String], faceTracks: [FaceTrack]?, speech: [SpeechSegment]? = nil,
                safety: (segments: [SafetySegment], rating: SafetyRating)? = nil, text: [TextItem]? = nil, shots: ShotResult? = nil, notes: [String] = []) {
        self.init(media: Media(mediaID: mediaID, info: info), models: models, notes: notes)
        setResults(faceTracks: faceTracks, speech: speech, safety: safety, text: text, shots: shots)
    }

    /// A report with no results yet (see ``setResults(faceTracks:speech:safety:text:shots:)``).
    public init(media: Media, models: [String: String], notes: [String] = []) {
        self.media = media
        self.models = models
        self.notes = notes.isEmpty ? nil : notes
    }

    /// Sets each section from an analyzer's result, rounded as the report is written; nil leaves a section out.
    public mutating func setResults(faceTracks: [FaceTrack]?, speech: [SpeechSegment]?, safety: (segments: [SafetySegment], rating: SafetyRating)?,
                                    text: [TextItem]?, shots: ShotResult?) {
        faces = faceTracks?.map { track in
            FaceTrackItem(track: track.id, start: track.start.seconds, end: track.end.seconds, boxes: track.samples.map {
                .init(t: $0.time.seconds, x: rounded($0.box.x), y: rounded($0.box.y), w: rounded($0.box.width), h: rounded($0.box.height),
                      score: (($0.score * 1000).rounded()) / 1000)
            })
        }
        self.speech = speech?.map { SpeechSegment(start: ($0.start * 1000).rounded() / 1000, end: ($0.end * 1000).rounded() / 1000) }
        self.safety = safety.map { result in
            Safety(rating: result.rating, segments: result.segments.map {
                SafetySegment(label: $0.label, start: ($0.start * 1000).rounded() / 1000, end: ($0.end * 1000).rounded() / 1000,
                              maxScore: ($0.maxScore * 1000).rounded() / 1000)
            })
        }
        self.shots = shots?.shots.map {
            Shot(index: $0.index, startFrame: $0.startFrame, endFrame: $0.endFrame,
                 start: ($0.start * 1000).rounded() / 1000, end: ($0.end * 1000).rounded() / 1000)
        }
        transitions = shots?.transitions
        self.text = text?.map {
            TextItem(text: $0.text, start: ($0.start * 1000).rounded() / 1000, end: ($0.end * 1000).rounded() / 1000,
                     box: BoundingBox(x: rounded($0.box.x), y: rounded($0.box.y), width: rounded($0.box.width), height: rounded($0.box.height)),
                     score: ($0.score * 1000).rounded() / 1000)
        }
    }
}

/// Sub-pixel precision is noise; two decimals keep reports readable and diffable.
private func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
