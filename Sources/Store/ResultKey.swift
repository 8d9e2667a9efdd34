import Foundation
import PlayheadCore

/// The memoization key of one computed result: the same key means the same answer, so it need not be computed again.
public struct ResultKey: Sendable, Hashable, Codable {
    public var media: MediaID
    public var feature: Feature
    public var model: ModelVersion
    /// A digest of every parameter that changes the output (thresholds, sampling rate); opaque to the store.
    public var parametersHash: String
    /// The part of the media the result covers (a chunk, or the whole duration).
    public var range: TimeRange

    public init(media: MediaID, feature: Feature, model: ModelVersion, parametersHash: String, range: TimeRange) {
        self.media = media
        self.feature = feature
        self.model = model
        self.parametersHash = parametersHash
        self.range = range
    }

    /// Everything but the range: keys of one group are looked up together.
    struct Group: Hashable {
        var media: MediaID
        var feature: Feature
        var model: ModelVersion
        var parametersHash: String

        /// The key of this group's result over `[start, end]`; nil for a range no key can have.
        func key(start: Double, end: Double) -> ResultKey? {
            (try? TimeRange(start: start, end: end)).map {
                ResultKey(media: media, feature: feature, model: model, parametersHash: parametersHash, range: $0)
            }
        }
    }

    var group: Group { Group(media: media, feature: feature, model: model, parametersHash: parametersHash) }

    /// `keys` validated and grouped, each group with the span of its range starts.
    static func groups(_ keys: [ResultKey]) throws(StoreError) -> [(group: Group, first: Double, last: Double, keys: Set<ResultKey>)] {
        var grouped: [Group: Set<ResultKey>] = [:]
        for key in keys {
            try key.validate()
            grouped[key.group, default: []].insert(key)
        }
        return grouped.map { group, keys in
            let starts = keys.map(\.range.start)
            return (group, starts.min()!, starts.max()!, keys)
        }
    }

    func validate() throws(StoreError) {
        guard Feature.known.contains(feature) else { throw StoreError.unknownFeature(feature) }
        guard !parametersHash.isEmpty else {
            throw StoreError(.invalidInput, "the parameters hash is empty; hash the analyzer's parameters (even none) into it")
        }
    }
}

/// What the store knows about a recorded result.
public struct ResultRecord: Sendable, Hashable, Codable {
    public var key: ResultKey
    public var annotationCount: Int
    public var recordedAt: Date

    public init(key: ResultKey, annotationCount: Int, recordedAt: Date) {
        self.key = key
        self.annotationCount = annotationCount
        self.recordedAt = recordedAt
    }
}
