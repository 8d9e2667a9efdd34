import Analyzers
import PlayheadCore

/// What to compute for a media file and how: the parameters of a job, shared by `playhead analyze`,
/// `POST /v1/jobs` and the workers, and (per feature) part of each result's memoization key.
public struct AnalysisOptions: Sendable, Codable, Equatable {
    /// The features `playhead analyze` and the jobs API know.
    public static let knownFeatures = ["shots", "faces", "text", "safety", "speech"]

    /// Requested features, in `knownFeatures` order, without repeats.
    public private(set) var features: [String]
    /// Frames per second analysed for faces, text and brand safety.
    public var faceFPS: Double
    public var textFPS: Double
    public var safetyFPS: Double
    public var faceModel: BlazeFace.Variant
    /// Target chunk length; 0 analyses the file as one chunk. Not part of any result's key: chunked and
    /// whole-file runs give the same result.
    public var chunkSeconds: Double

    /// - Throws: `.invalidArgument` for an unknown feature or a rate or length out of range.
    public init(features: [String], faceFPS: Double = 5, textFPS: Double = 1, safetyFPS: Double = 2,
                faceModel: BlazeFace.Variant = .fullRange, chunkSeconds: Double = 0) throws(PlayheadError) {
        let requested = Set(features.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        let unknown = requested.subtracting(Self.knownFeatures)
        guard unknown.isEmpty else {
            throw PlayheadError(.invalidArgument, "unknown feature(s): \(unknown.sorted().joined(separator: ", ")); available: \(Self.knownFeatures.joined(separator: ", "))")
        }
        guard !requested.isEmpty else {
            throw PlayheadError(.invalidArgument, "no feature requested; available: \(Self.knownFeatures.joined(separator: ", "))")
        }
        for (name, value) in [("face fps", faceFPS), ("text fps", textFPS), ("safety fps", safetyFPS)] {
            guard value > 0, value <= 240 else { throw PlayheadError(.invalidArgument, "\(name) \(value) must be in (0, 240]") }
        }
        guard chunkSeconds >= 0, chunkSeconds.isFinite else {
            throw PlayheadError(.invalidArgument, "the chunk length \(chunkSeconds) must be 0 (one chunk) or more seconds")
        }
        self.features = Self.knownFeatures.filter(requested.contains)
        self.faceFPS = faceFPS
        self.textFPS = textFPS
        self.safetyFPS = safetyFPS
        self.faceModel = faceModel
        self.chunkSeconds = chunkSeconds
    }

    /// The same options for a subset of the features (those not yet in the store).
    public func restricted(to subset: [String]) throws(PlayheadError) -> AnalysisOptions {
        var options = self
        options.features = features.filter(subset.contains)
        guard !options.features.isEmpty else { throw PlayheadError(.invalidArgument, "no feature left to compute") }
        return options
    }

    /// The video features (all but speech).
    public var videoFeatures: [String] { features.filter { $0 != "speech" } }

    /// A digest of every parameter that changes `feature`'s result: part of its memoization key.
    public func parametersHash(for feature: String) -> String {
        let description = switch feature {
        case "shots": "shots \(ShotDetector.Parameters())"
        case "faces": "faces fps=\(faceFPS) model=\(faceModel.rawValue)"
        case "text": "text fps=\(textFPS)"
        case "safety": "safety fps=\(safetyFPS)"
        case "speech": "speech \(SpeechDetector.Segmentation())"
        default: feature
        }
        return SHA256.hex(of: Array(description.utf8)).prefix(16).description
    }

    private enum CodingKeys: String, CodingKey {
        case features
        case faceFPS = "fps"
        case textFPS = "text_fps"
        case safetyFPS = "safety_fps"
        case faceModel = "face_model"
        case chunkSeconds = "chunk_seconds"
    }

    /// Decodes and validates; absent rates take their defaults, so `{"features":["faces"]}` is a whole request.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(features: try container.decode([String].self, forKey: .features),
                          faceFPS: try container.decodeIfPresent(Double.self, forKey: .faceFPS) ?? 5,
                          textFPS: try container.decodeIfPresent(Double.self, forKey: .textFPS) ?? 1,
                          safetyFPS: try container.decodeIfPresent(Double.self, forKey: .safetyFPS) ?? 2,
                          faceModel: try container.decodeIfPresent(BlazeFace.Variant.self, forKey: .faceModel) ?? .fullRange,
                          chunkSeconds: try container.decodeIfPresent(Double.self, forKey: .chunkSeconds) ?? 0)
        } catch let error as PlayheadError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }
}
