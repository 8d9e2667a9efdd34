import Foundation
import PlayheadCore

/// One time-ranged finding about a media: a shot, a face track, a line of text, a speech interval.
///
/// The store checks every annotation before writing it (``validate()``), so readers can rely on finite
/// times and scores and on `payload` being JSON.
public struct Annotation: Sendable, Hashable, Codable {
    public var feature: Feature
    /// Media time in seconds; see ``TimeRange`` for the convention.
    public var start: Double
    public var end: Double
    public var label: String
    public var score: Double?
    public var box: BoundingBox?
    /// Free-form JSON text (object, array or scalar), kept verbatim.
    public var payload: String?
    /// The model that produced it.
    public var model: ModelVersion

    public init(feature: Feature, start: Double, end: Double, label: String, score: Double? = nil,
                box: BoundingBox? = nil, payload: String? = nil, model: ModelVersion) {
        self.feature = feature
        self.start = start
        self.end = end
        self.label = label
        self.score = score
        self.box = box
        self.payload = payload
        self.model = model
    }

    /// The annotation's time range, checked.
    public func range() throws(StoreError) -> TimeRange { try TimeRange(start: start, end: end) }

    /// Throws the error the store would answer for this annotation, or returns if it is well formed.
    public func validate() throws(StoreError) {
        guard Feature.known.contains(feature) else { throw StoreError.unknownFeature(feature) }
        _ = try range()
        if let score, !score.isFinite {
            throw StoreError(.invalidInput, "annotation '\(label)' at \(start) s has score \(score); scores must be finite")
        }
        try box?.validate()
        if let payload, !Check.isJSON(payload) {
            throw StoreError(.invalidInput, "annotation '\(label)' at \(start) s has a payload that is not JSON")
        }
    }
}

extension BoundingBox {
    func validate() throws(StoreError) {
        guard [x, y, width, height].allSatisfy(\.isFinite), width >= 0, height >= 0 else {
            throw StoreError(.invalidInput, "box (\(x), \(y), \(width)×\(height)) must be finite with a non-negative size")
        }
    }
}

extension StoreError {
    static func unknownFeature(_ feature: Feature) -> StoreError {
        StoreError(.unknownFeature, "unknown feature '\(feature)'; known: \(Feature.known.map(\.rawValue).joined(separator: ", "))")
    }
}
