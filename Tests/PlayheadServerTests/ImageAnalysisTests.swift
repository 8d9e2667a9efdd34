import Foundation
import PlayheadCore
import Serving
import Testing
import TestSupport

/// `POST /v1/images/analyze` through the same deployments the KServe routes serve.
@Suite struct ImageAnalysisTests {
    static let astronaut = TestMedia.packageRoot.appendingPathComponent(".cache/photos/astronaut.png")
    /// Hand-labelled face of the 512x512 astronaut photograph.
    static let astronautFace = BoundingBox(x: 160, y: 40, width: 120, height: 140)

    static func startServer() async throws -> LiveServer {
        try await LiveServer.start { engine in
            try await engine.deploy(LiveServer.model("blazeface-full", as: "blazeface-full") { $0.hint = "latency" })
            try await engine.deploy(LiveServer.model("nudenet-320n", as: "nudenet-320n") { $0.hint = "latency" })
        }
    }

    static func box(_ json: Any?) -> BoundingBox? {
        guard let box = json as? [String: Any], let x = box["x"] as? Double, let y = box["y"] as? Double,
              let width = box["width"] as? Double, let height = box["height"] as? Double else { return nil }
        return BoundingBox(x: x, y: y, width: width, height: height)
    }

    @Test func findsTheAstronautsFaceAndNothingExplicit() async throws {
        let server = try await Self.startServer()
        let png = try Data(contentsOf: Self.astronaut)
        let (status, _, data) = try await server.request("POST", "/v1/images/analyze?features=faces,safety", body: png,
                                                           headers: ["Content-Type": "image/png"])
        #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
        let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(answer["width"] as? Int == 512)
        let faces = try #require(answer["faces"] as? [[String: Any]])
        #expect(faces.count == 1)
        let face = try #require(Self.box(faces.first?["box"]))
        #expect(face.iou(Self.astronautFace) > 0.4, "face box \(face)")
        let safety = try #require(answer["safety"] as? [String: Any])
        #expect(safety["explicit"] as? Bool == false)
        // NudeNet also finds her face; whichever face class it picks must overlap the labelled box.
        let detections = try #require(safety["detections"] as? [[String: Any]])
        let faceClass = detections.first { ($0["label"] as? String)?.hasPrefix("FACE_") == true }
        #expect(faceClass != nil, "NudeNet detections: \(detections)")
        if let faceBox = Self.box(faceClass?["box"]) { #expect(faceBox.iou(Self.astronautFace) > 0.3, "NudeNet face \(faceBox)") }
        await server.stop()
    }

    @Test func badImagesAndFeaturesAreRejected() async throws {
        let server = try await Self.startServer()
        let png = try Data(contentsOf: Self.astronaut)
        let cases: [(String, Data, Int, String)] = [
            ("/v1/images/analyze", Data(), 400, "invalid_input"),
            ("/v1/images/analyze", Data("definitely not an image".utf8), 400, "unsupported_format"),
            ("/v1/images/analyze", png.prefix(png.count / 3), 400, "corrupt_media"),
            ("/v1/images/analyze?features=faces,colour", png, 400, "invalid_input"),
        ]
        for (path, body, status, code) in cases {
            let (got, _, data) = try await server.request("POST", path, body: body)
            #expect(got == status, "\(path) \(body.count) bytes: \(String(decoding: data, as: UTF8.self))")
            #expect(LiveServer.errorCode(data) == code, "\(path) \(body.count) bytes: \(String(decoding: data, as: UTF8.self))")
        }
        #expect(try await server.request("POST", "/v1/images/analyze", body: png).0 == 200)
        await server.stop()
    }
}
