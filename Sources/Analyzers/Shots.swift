import Foundation
import MediaIO
import PlayheadCore

/// One shot: a run of frames between two transitions, both ends inclusive.
public struct Shot: Sendable, Codable, Equatable {
    public var index: Int
    public var startFrame: Int
    public var endFrame: Int
    /// Seconds: the start of the first frame and the end of the last one.
    public var start: Double
    public var end: Double

    public init(index: Int, startFrame: Int, endFrame: Int, start: Double, end: Double) {
        self.index = index
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.start = start
        self.end = end
    }

    enum CodingKeys: String, CodingKey {
        case index, start, end
        case startFrame = "start_frame"
        case endFrame = "end_frame"
    }
}

/// A change of shot. `startFrame` is the last frame showing only the outgoing shot, `endFrame` the first
/// showing only the incoming one, so a cut has `endFrame == startFrame + 1` and the frames between are mixed.
public struct ShotTransition: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case cut
        /// A cross-fade from one shot into the next.
        case dissolve
        /// Out to black and in again, reported as one transition.
        case fade
    }

    public var type: Kind
    public var startFrame: Int
    public var endFrame: Int

    public init(type: Kind, startFrame: Int, endFrame: Int) {
        self.type = type
        self.startFrame = startFrame
        self.endFrame = endFrame
    }

    enum CodingKeys: String, CodingKey {
        case type
        case startFrame = "start_frame"
        case endFrame = "end_frame"
    }
}

/// What `ShotDetector.finish()` returns.
public struct ShotResult: Sendable, Equatable {
    /// Shots partitioning `0..<frameCount`; the mixed frames of a gradual transition are split at its middle.
    public var shots: [Shot]
    public var transitions: [ShotTransition]
    /// Histogram change from the previous frame, one per frame (0 for the first), for plotting.
    public var scores: [Float]
    public var frameCount: Int

    public init(shots: [Shot], transitions: [ShotTransition], scores: [Float], frameCount: Int) {
        self.shots = shots
        self.transitions = transitions
        self.scores = scores
        self.frameCount = frameCount
    }
}

/// Decodes a whole file in `ShotDetector.frameFormat` and runs the detector over it.
public enum ShotAnalysis {
    /// Shots and transitions of the video at `path`; `frameRate` defaults to the stream's.
    public static func run(path: String, frameRate: Double? = nil, parameters: ShotDetector.Parameters = .init()) async throws -> ShotResult {
        let rate: Double
        if let frameRate {
            rate = frameRate
        } else {
            let info = try MediaProbe.probe(path)
            guard let video = info.video else {
                throw PlayheadError(.noVideoStream, "\(path) has no video stream to find shots in")
            }
            rate = video.frameRate.doubleValue
        }
        var detector = ShotDetector(frameRate: rate, parameters: parameters)
        for try await frame in VideoFrames(path: path, format: ShotDetector.frameFormat, sampling: .all) {
            detector.add(frame)
        }
        return detector.finish()
    }
}
