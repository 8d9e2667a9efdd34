import Analyzers
import MediaIO
import PlayheadCore
import Store

/// The memoized results of one media: which requested features the store already holds, recording a
/// finished job's report sections, and the report read back from the store.
///
/// Each feature's result is keyed by (media, feature, model@version, parameters hash, `[0, duration]`),
/// so a new model version or new parameters for one feature recompute that feature only.
public struct FeatureResults: Sendable {
    public let store: any Store
    /// Feature → "name@version" of its model, as the report names them.
    public let modelIDs: [String: String]

    public init(store: any Store, modelIDs: [String: String]) {
        self.store = store
        self.modelIDs = modelIDs
    }

    /// The length of media the keys cover: the video stream's, else the container's.
    public static func duration(of info: MediaInfo) -> Double {
        max(0, info.video?.duration ?? info.duration ?? 0)
    }

    /// The store's form of a report model id: "det@1+rec@2" (two models behind one feature) is "det+rec@1+2".
    public static func modelVersion(_ id: String) throws -> ModelVersion {
        let parts = id.split(separator: "+").map { $0.split(separator: "@", omittingEmptySubsequences: false) }
        guard !parts.isEmpty, parts.allSatisfy({ $0.count == 2 }) else { return try ModelVersion(id) }
        return try ModelVersion(name: parts.map { String($0[0]) }.joined(separator: "+"), version: parts.map { String($0[1]) }.joined(separator: "+"))
    }

    /// The memoization key of `feature` under `options`.
    public func key(media: MediaID, feature: String, options: AnalysisOptions, duration: Double) throws -> ResultKey {
        guard let id = modelIDs[feature] else { throw PlayheadError(.invalidArgument, "no model is known for feature \(feature)") }
        return ResultKey(media: media, feature: Feature(feature), model: try Self.modelVersion(id),
                         parametersHash: options.parametersHash(for: feature), range: try TimeRange(start: 0, end: duration))
    }

    /// The requested features the store has no result for.
    public func missing(media: MediaID, options: AnalysisOptions, duration: Double) async throws -> [String] {
        var missing: [String] = []
        for feature in options.features where try await store.lookup(key(media: media, feature: feature, options: options, duration: duration)) == nil {
            missing.append(feature)
        }
        return missing
    }

    /// Records each of `options.features`' sections of `report`; each replaces the earlier result under its key atomically.
    public func record(_ report: AnalysisReport, shotScores: [Float], media: MediaID, options: AnalysisOptions, duration: Double) async throws {
        for feature in options.features {
            let key = try key(media: media, feature: feature, options: options, duration: duration)
            let annotations = try ReportAnnotations.annotations(of: report, feature: feature, model: key.model, shotScores: shotScores)
            try await store.record(key, annotations: annotations)
        }
    }

    /// Fills `report`'s sections of `options.features` from the store; returns the shot scores.
    ///
    /// - Throws: `not_found` when a feature has no recorded result.
    public func read(into report: inout AnalysisReport, media: MediaID, options: AnalysisOptions, duration: Double) async throws -> [Float] {
        var scores: [Float] = []
        for feature in options.features {
            let annotations = try await store.annotations(for: key(media: media, feature: feature, options: options, duration: duration))
            if let found = try ReportAnnotations.apply(annotations, feature: feature, to: &report) { scores = found }
        }
        return scores
    }
}
