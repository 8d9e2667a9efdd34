import PlayheadCore

/// What `MediaProbe` learns about a file without decoding it.
public struct MediaInfo: Sendable, Codable, Equatable {
    public var path: String
    /// Container format as FFmpeg names it (e.g. "mov,mp4,m4a,3gp,3g2,mj2").
    public var container: String
    /// Duration in seconds, if the container states it.
    public var duration: Double?
    public var sizeBytes: Int64
    public var bitRate: Int64?
    public var video: VideoStreamInfo?
    public var audio: AudioStreamInfo?
    public var streams: [StreamInfo]
}

/// The primary video stream.
public struct VideoStreamInfo: Sendable, Codable, Equatable {
    public var index: Int
    public var codec: String
    public var width: Int
    public var height: Int
    /// Clockwise rotation in degrees a player applies on display (0, 90, 180, 270); decoded frames
    /// have it applied, so they (and boxes in them) are in displayed orientation.
    public var rotation: Int
    /// Width and height as displayed, after `rotation`.
    public var displayWidth: Int { rotation == 90 || rotation == 270 ? height : width }
    public var displayHeight: Int { rotation == 90 || rotation == 270 ? width : height }
    /// Exact frame rate as a rational (30000/1001 for NTSC).
    public var frameRate: Rational
    /// The stream's time base: one pts unit is this many seconds.
    public var timeBase: Rational
    public var frameCount: Int64
    /// True when the container states the frame count; false when it is estimated from duration × rate.
    public var frameCountIsExact: Bool
    public var pixelFormat: String
    public var duration: Double?
}

/// The primary audio stream.
public struct AudioStreamInfo: Sendable, Codable, Equatable {
    public var index: Int
    public var codec: String
    public var sampleRate: Int
    public var channels: Int
    public var duration: Double?
}

/// Any stream in the container.
public struct StreamInfo: Sendable, Codable, Equatable {
    public var index: Int
    /// "video", "audio", "subtitle", "data" or "attachment".
    public var type: String
    public var codec: String
}
