import Foundation
import MediaIO
import PlayheadCore
import Store

/// Adds media files to a store's catalog, so sessions (and the file route) can find them by id.
public enum MediaCatalog {
    /// Probes `path`, identifies it by content hash and upserts its catalog entry under its absolute path.
    public static func register(path relative: String, in store: any Store) async throws -> MediaRecord {
        let path = URL(fileURLWithPath: relative).standardizedFileURL.path
        let info = try MediaProbe.probe(path)
        let video = info.video
        let record = MediaRecord(
            id: try MediaID(contentsOf: path), location: path,
            probe: ProbeFacts(durationSeconds: video?.duration ?? info.duration, framesPerSecond: video?.frameRate.doubleValue,
                              frameCount: video.map { Int($0.frameCount) }, width: video?.displayWidth, height: video?.displayHeight))
        try await store.upsertMedia(record)
        return record
    }
}
