import PlayheadCore

/// One face followed across sampled frames.
public struct FaceTrack: Sendable, Equatable, Codable {
    /// A box at one sample time, in source pixels.
    public struct Sample: Sendable, Equatable, Codable {
        public var time: MediaTime
        public var box: BoundingBox
        public var score: Double
    }

    public var id: Int
    public var samples: [Sample]
    public var start: MediaTime { samples.first?.time ?? .zero }
    public var end: MediaTime { samples.last?.time ?? .zero }
}

/// Links per-frame faces into tracks by greedy IoU matching, closing a track after a gap.
///
/// Only confirmed tracks are reported: seen in at least `minSamples` frames (SORT's "min hits"),
/// because a detector's false positives on texture flicker for a frame or two while a real face
/// persists. Media with fewer sampled frames than that (a still image) need a face in every frame.
/// Frames must arrive in time order. A pure state machine: no I/O, tested on its own.
public struct FaceTracker: Sendable {
    public let iouThreshold: Double
    /// A track not matched for longer than this is closed.
    public let maxGap: MediaTime
    /// Detections a track needs before it is reported.
    public let minSamples: Int
    private var frames = 0
    private var open: [FaceTrack] = []
    private var closed: [FaceTrack] = []
    private var nextID = 0

    public init(iouThreshold: Double = 0.3, maxGap: MediaTime = MediaTime(value: 1, timescale: 2), minSamples: Int = 3) {
        self.iouThreshold = iouThreshold
        self.maxGap = maxGap
        self.minSamples = max(minSamples, 1)
    }

    /// Adds the faces seen at `time`.
    public mutating func update(time: MediaTime, faces: [Face]) {
        frames += 1
        let expired = open.filter { time - $0.end > maxGap }
        closed.append(contentsOf: expired)
        open.removeAll { time - $0.end > maxGap }

        // Best pairs first: every (track, face) pair above the threshold, highest IoU wins.
        var pairs: [(track: Int, face: Int, iou: Double)] = []
        for (t, track) in open.enumerated() {
            guard let last = track.samples.last?.box else { continue }
            for (f, face) in faces.enumerated() {
                let iou = last.iou(face.box)
                if iou >= iouThreshold { pairs.append((t, f, iou)) }
            }
        }
        var usedTracks = Set<Int>(), usedFaces = Set<Int>()
        for pair in pairs.sorted(by: { $0.iou > $1.iou }) where !usedTracks.contains(pair.track) && !usedFaces.contains(pair.face) {
            usedTracks.insert(pair.track)
            usedFaces.insert(pair.face)
            open[pair.track].samples.append(.init(time: time, box: faces[pair.face].box, score: faces[pair.face].score))
        }
        for (f, face) in faces.enumerated() where !usedFaces.contains(f) {
            open.append(FaceTrack(id: nextID, samples: [.init(time: time, box: face.box, score: face.score)]))
            nextID += 1
        }
    }

    /// The confirmed tracks, open and closed, in order of appearance and numbered from 0.
    public func tracks() -> [FaceTrack] {
        let needed = min(minSamples, frames)
        return (closed + open)
            .filter { $0.samples.count >= needed }
            .sorted { $0.id < $1.id }
            .enumerated()
            .map { index, track in FaceTrack(id: index, samples: track.samples) }
    }

    /// The tracks of per-frame faces in time order, with the default thresholds: what a whole-file run
    /// and the stitching of a file's chunks both compute.
    public static func tracks(of samples: [(time: MediaTime, faces: [Face])]) -> [FaceTrack] {
        var tracker = FaceTracker()
        for (time, faces) in samples { tracker.update(time: time, faces: faces) }
        return tracker.tracks()
    }
}
