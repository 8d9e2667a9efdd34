import Foundation
import PlayheadCore
import Store
import Testing
import TestSupport

/// The backends the shared suite runs against; each test case gets a fresh, migrated store.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    func withStore(_ body: @Sendable (any Store) async throws -> Void) async throws {
        let url: StoreURL
        switch self {
        case .sqlite:
            url = .sqlite(path: try TestMedia.scratchDirectory().appendingPathComponent("store.db").path)
        case .postgres:
            let shared = try #require(SharedPostgresServer.current, "the suite needs the .postgresServer trait")
            url = try StoreURL(try await shared.get().createDatabase())
        }
        try await url.withStore(body)
    }
}

/// Fixtures shared by the store tests.
enum Fixture {
    static let media = MediaID(hex: String(repeating: "ab", count: 32))!
    static let otherMedia = MediaID(hex: String(repeating: "cd", count: 32))!
    static let v1 = try! ModelVersion("blazeface@1")
    static let v2 = try! ModelVersion("blazeface@2")

    static func catalog(_ store: any Store, _ ids: MediaID...) async throws {
        for id in ids.isEmpty ? [media] : ids {
            try await store.upsertMedia(MediaRecord(id: id, location: "/media/\(id.hex.prefix(6)).mp4",
                                                    probe: ProbeFacts(durationSeconds: 3600, framesPerSecond: 25)))
        }
    }

    static func face(_ start: Double, _ end: Double, _ label: String = "face", model: ModelVersion = v1) -> Annotation {
        Annotation(feature: .faces, start: start, end: end, label: label, score: 0.9, model: model)
    }

    static func key(model: ModelVersion = v1, hash: String = "p1", range: (Double, Double) = (0, 3600)) throws -> ResultKey {
        ResultKey(media: media, feature: .faces, model: model, parametersHash: hash, range: try TimeRange(start: range.0, end: range.1))
    }
}

/// Expects `body` to throw a ``StoreError`` with `code`.
func expectStoreError(_ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(code.rawValue), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected StoreError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}
