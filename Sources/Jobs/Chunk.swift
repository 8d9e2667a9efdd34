import PlayheadCore

/// One piece of a file's timeline, analysed as one task.
///
/// Chunks partition the file: each owns the frames with `start <= time < end`. A worker decodes from
/// `analysisStart`, a little earlier, so the shot detector has seen the recent past by the time it
/// reaches `start` (a transition cannot be told from a flash in the first frames a detector sees).
public struct Chunk: Sendable, Codable, Equatable {
    /// Position in the file, from 0.
    public var index: Int
    /// The first owned time: a keyframe (0 for the first chunk), or half a frame before the first owned
    /// frame when the file has no usable keyframe list.
    public var start: MediaTime
    /// The first time owned by the next chunk; the file's duration for the last one.
    public var end: MediaTime
    /// Where analysis starts: half a frame before the frame `overlap` earlier than `start`, or 0.
    ///
    /// Not a keyframe: seeking is frame-accurate, and a decoder starts at the keyframe before this time
    /// whatever it is, so rounding down to a keyframe would only make the analyzers see more frames twice.
    public var analysisStart: MediaTime
    /// Owned frames, as indices of the whole file at its constant frame rate.
    public var frames: Range<Int>
    /// Index of the first frame analysed (at `analysisStart`).
    public var analysisFirstFrame: Int
    /// True for the last chunk, which is decoded to the end of the stream whatever the stated duration.
    public var isLast: Bool

    public init(index: Int, start: MediaTime, end: MediaTime, analysisStart: MediaTime, frames: Range<Int>,
                analysisFirstFrame: Int, isLast: Bool) {
        self.index = index
        self.start = start
        self.end = end
        self.analysisStart = analysisStart
        self.frames = frames
        self.analysisFirstFrame = analysisFirstFrame
        self.isLast = isLast
    }
}
