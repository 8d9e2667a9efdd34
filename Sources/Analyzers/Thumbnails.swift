import Foundation
import MediaIO
import PlayheadCore

/// Stills for the report's strip: one JPEG per requested time, decoded by seeking (frame-accurate),
/// so nothing is kept from the analysis pass however long the file is.
public enum Thumbnails {
    /// At most this many stills: a strip of thousands helps nobody and costs a seek each.
    public static let maxCount = 120

    /// One still `height` pixels high at each of `times` (seconds; evenly thinned to `maxCount`).
    public static func make(path: String, times: [Double], height: Int = 90) async throws -> [HTMLReport.Thumbnail] {
        guard !times.isEmpty else { return [] }
        let step = max(1, (times.count + maxCount - 1) / maxCount)
        let chosen = stride(from: 0, to: times.count, by: step).map { times[$0] }
        let info = try MediaProbe.probe(path)
        guard let video = info.video else { return [] }
        let width = max(2, Int((Double(video.displayWidth) / Double(max(video.displayHeight, 1)) * Double(height)).rounded()) / 2 * 2)
        let format = FrameFormat(width: width, height: height, filter: .area)
        var thumbnails: [HTMLReport.Thumbnail] = []
        for time in chosen {
            try Task.checkCancellation()
            let start = MediaTime(seconds: time)
            var frames = VideoFrames(path: path, format: format, from: start).makeAsyncIterator()
            guard let frame = try await frames.next() else { continue }
            thumbnails.append(HTMLReport.Thumbnail(time: frame.time.seconds, jpeg: try JPEGEncoder.encode(frame, qscale: 5)))
        }
        return thumbnails
    }
}
