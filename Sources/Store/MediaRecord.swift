import PlayheadCore

/// A media catalog entry: where the file is and what probing it found.
public struct MediaRecord: Sendable, Hashable, Codable {
    public var id: MediaID
    /// A filesystem path or a URI.
    public var location: String
    public var probe: ProbeFacts

    public init(id: MediaID, location: String, probe: ProbeFacts) {
        self.id = id
        self.location = location
        self.probe = probe
    }
}

/// What probing a media file found; every fact is optional because an audio file has no frames.
public struct ProbeFacts: Sendable, Hashable, Codable {
    public var durationSeconds: Double?
    public var framesPerSecond: Double?
    public var frameCount: Int?
    public var width: Int?
    public var height: Int?

    public init(durationSeconds: Double? = nil, framesPerSecond: Double? = nil, frameCount: Int? = nil,
                width: Int? = nil, height: Int? = nil) {
        self.durationSeconds = durationSeconds
        self.framesPerSecond = framesPerSecond
        self.frameCount = frameCount
        self.width = width
        self.height = height
    }

    func validate() throws(StoreError) {
        for (name, value) in [("duration", durationSeconds), ("fps", framesPerSecond)] {
            if let value, !(value.isFinite && value >= 0) {
                throw StoreError(.invalidInput, "probe \(name) \(value) must be a finite, non-negative number")
            }
        }
        for (name, value) in [("frame count", frameCount), ("width", width), ("height", height)] {
            if let value, value < 0 { throw StoreError(.invalidInput, "probe \(name) \(value) must not be negative") }
        }
    }
}
