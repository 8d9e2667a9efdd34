import Analyzers
import Foundation
import PlayheadCore
import Store

/// How each section of an `AnalysisReport` is kept in the store, and read back into an identical section.
///
/// One annotation per report item (a face track, a shot, a transition, a text item, a safety segment,
/// a speech interval) with its time range, a label, a score and a box where it has them, so window
/// queries and the interactive sessions can use them; the payload keeps the item exactly as the report
/// writes it, with its position, so the section read back is the section written.
enum ReportAnnotations {
    /// An item of a section and its position in it.
    struct Entry<Item: Codable>: Codable {
        var order: Int
        var item: Item
    }

    /// The annotations of `feature`'s section of `report`; `shotScores` (the HTML report's curve) go with shots.
    static func annotations(of report: AnalysisReport, feature: String, model: ModelVersion, shotScores: [Float]) throws -> [Annotation] {
        let kind = Feature(feature)
        let duration = max(0, report.media.duration ?? 0)
        func annotation<Item: Codable>(_ order: Int, _ item: Item, start: Double, end: Double, label: String,
                                       score: Double? = nil, box: BoundingBox? = nil) throws -> Annotation {
            Annotation(feature: kind, start: start, end: max(start, end), label: label, score: score, box: box,
                       payload: try json(Entry(order: order, item: item)), model: model)
        }
        switch feature {
        case "faces":
            return try (report.faces ?? []).enumerated().map { order, track in
                let first = track.boxes.first
                return try annotation(order, track, start: track.start, end: track.end, label: "face",
                                      score: track.boxes.map(\.score).max(), box: first.map { BoundingBox(x: $0.x, y: $0.y, width: $0.w, height: $0.h) })
            }
        case "speech":
            return try (report.speech ?? []).enumerated().map { try annotation($0, $1, start: $1.start, end: $1.end, label: "speech") }
        case "text":
            return try (report.text ?? []).enumerated().map { try annotation($0, $1, start: $1.start, end: $1.end, label: $1.text, score: $1.score, box: $1.box) }
        case "safety":
            guard let safety = report.safety else { return [] }
            let rating = try annotation(-1, safety.rating, start: 0, end: duration, label: "rating")
            return try [rating] + safety.segments.enumerated().map {
                try annotation($0, $1, start: $1.start, end: $1.end, label: $1.label, score: $1.maxScore)
            }
        case "shots":
            let fps = report.media.fps.flatMap { $0 > 0 ? $0 : nil } ?? 25
            let shots = try (report.shots ?? []).enumerated().map { try annotation($0, $1, start: $1.start, end: $1.end, label: "shot") }
            let transitions = try (report.transitions ?? []).enumerated().map {
                try annotation($0, $1, start: Double($1.startFrame) / fps, end: Double($1.endFrame + 1) / fps, label: $1.type.rawValue)
            }
            let scores = try annotation(-1, shotScores, start: 0, end: duration, label: "scores")
            return shots + transitions + [scores]
        default:
            throw StoreError(.unknownFeature, "no report section for feature '\(feature)'")
        }
    }

    /// Sets `feature`'s section of `report` from its annotations; returns the shot scores for shots.
    static func apply(_ annotations: [Annotation], feature: String, to report: inout AnalysisReport) throws -> [Float]? {
        switch feature {
        case "faces": report.faces = try items(annotations)
        case "speech": report.speech = try items(annotations)
        case "text": report.text = try items(annotations)
        case "safety":
            let ratings: [SafetyRating] = try items(annotations.filter { $0.label == "rating" })
            let segments: [SafetySegment] = try items(annotations.filter { $0.label != "rating" })
            report.safety = AnalysisReport.Safety(rating: ratings.first ?? .safe, segments: segments)
        case "shots":
            let shots = annotations.filter { $0.label == "shot" }
            let scores = annotations.filter { $0.label == "scores" }
            report.shots = try items(shots)
            report.transitions = try items(annotations.filter { $0.label != "shot" && $0.label != "scores" })
            let curves: [[Float]] = try items(scores)
            return curves.first ?? []
        default:
            throw StoreError(.unknownFeature, "no report section for feature '\(feature)'")
        }
        return nil
    }

    private static func items<Item: Codable>(_ annotations: [Annotation]) throws -> [Item] {
        var entries: [Entry<Item>] = []
        for annotation in annotations {
            guard let payload = annotation.payload else {
                throw StoreError(.storageFailed, "\(annotation.feature) annotation '\(annotation.label)' at \(annotation.start) s has no payload; analyse again")
            }
            entries.append(try JSONDecoder().decode(Entry<Item>.self, from: Data(payload.utf8)))
        }
        return entries.sorted { $0.order < $1.order }.map(\.item)
    }

    private static func json<Item: Encodable>(_ value: Item) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
