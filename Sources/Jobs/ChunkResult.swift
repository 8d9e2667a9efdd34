import Analyzers
import PlayheadCore

/// What one worker found in one chunk, in whole-file terms (absolute frames and times), with the
/// per-sample detections `Stitcher` needs to track across chunk borders. Nil fields were not requested.
public struct ChunkResult: Sendable, Codable, Equatable {
    /// The chunk's index and its owned times.
    public var index: Int
    public var start: MediaTime
    public var end: MediaTime
    /// Owned frames as decoded: for the last chunk, up to where the stream really ended.
    public var frames: Range<Int>
    /// Every transition the chunk's shot detector found, including those in the overlap before `start`
    /// and those too near `end` to be judged with all the frames after them; `Stitcher` picks.
    public var transitions: [ShotTransition]?
    /// The shot detector's change score of each owned frame.
    public var shotScores: [Float]?
    /// Samples with `start <= time < end`, in time order.
    public var faces: [FaceSample]?
    public var text: [TextSample]?
    public var safety: [SafetySample]?
    /// Speech found in the chunk's audio, in seconds from the start of the file.
    public var speech: [SpeechSegment]?
    /// Frames decoded, overlap included.
    public var framesDecoded: Int

    public init(index: Int, start: MediaTime, end: MediaTime, frames: Range<Int>, transitions: [ShotTransition]? = nil,
                shotScores: [Float]? = nil, faces: [FaceSample]? = nil, text: [TextSample]? = nil, safety: [SafetySample]? = nil,
                speech: [SpeechSegment]? = nil, framesDecoded: Int = 0) {
        self.index = index
        self.start = start
        self.end = end
        self.frames = frames
        self.transitions = transitions
        self.shotScores = shotScores
        self.faces = faces
        self.text = text
        self.safety = safety
        self.speech = speech
        self.framesDecoded = framesDecoded
    }
}

/// The faces detected in one sampled frame.
public struct FaceSample: Sendable, Codable, Equatable {
    public var time: MediaTime
    public var faces: [Face]

    public init(time: MediaTime, faces: [Face]) {
        self.time = time
        self.faces = faces
    }
}

/// The text lines read in one sampled frame.
public struct TextSample: Sendable, Codable, Equatable {
    public var time: MediaTime
    public var lines: [TextLine]

    public init(time: MediaTime, lines: [TextLine]) {
        self.time = time
        self.lines = lines
    }
}

/// NudeNet's detections in one sampled frame.
public struct SafetySample: Sendable, Codable, Equatable {
    public var time: MediaTime
    public var detections: [NudeNet.Detection]

    public init(time: MediaTime, detections: [NudeNet.Detection]) {
        self.time = time
        self.detections = detections
    }
}
