import Analyzers
import Foundation
import PlayheadCore
import Serving
import Testing
import TestSupport

/// One serving engine for the composition tests: three model deployments (compiled once for the suite)
/// and the handler deployments that compose them through `DeploymentHandle`s.
final class CompositionServer: Sendable {
    let engine: ServingEngine
    /// Per-customer rules for the business-logic deployment, keyed by the request's `customer` input.
    struct CustomerRules: Sendable {
        var variant: BlazeFace.Variant
        var minScore: Float
        /// Faces smaller than this (longer side, image pixels) are not reported.
        var minFaceSide: Double
    }
    static let customers: [Int32: CustomerRules] = [
        1: CustomerRules(variant: .fullRange, minScore: 0.5, minFaceSide: 24),   // every visible face
        2: CustomerRules(variant: .shortRange, minScore: 0.5, minFaceSide: 200), // close-ups only
    ]
    /// Images whose longer side is at most this go to the short-range model.
    static let shortRangeMaxSide = 256

    static let shared = Task { try await CompositionServer() }

    private init() async throws {
        engine = ServingEngine()
        let short = try await engine.deploy(ModelFixtures.modelDeployment("blazeface-short", model: "blazeface-short"))
        let full = try await engine.deploy(ModelFixtures.modelDeployment("blazeface-full", model: "blazeface-full"))
        let nudenet = try await engine.deploy(ModelFixtures.modelDeployment(
            "nudenet", model: "nudenet-320n", batching: .init(maxBatchSize: 4, maxWait: .milliseconds(2))))
        let (shortHandle, fullHandle, nudenetHandle) = (DeploymentHandle(short), DeploymentHandle(full), DeploymentHandle(nudenet))
        let faces = TensorSpec(name: "faces", datatype: .fp32, shape: [-1, 5])

        // Pipeline: faces, then a second model on every face crop.
        try await engine.deploy(DeploymentConfig(name: "faces-then-safety", backend: .handler(
            inputs: [RGBImage.spec], outputs: [faces, TensorSpec(name: "safety", datatype: .fp32, shape: [-1, NudeNetClient.classes])]
        ) { request in
            let image = try RGBImage(tensor: request.input(named: "image"))
            let found = try await BlazeFaceClient.detect(image, variant: .fullRange, with: fullHandle).faces
            let safety = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
                for (index, face) in found.enumerated() {
                    group.addTask { (index, try await NudeNetClient.classify(image, around: face.box, with: nudenetHandle)) }
                }
                var rows = [[Float]](repeating: [], count: found.count)
                for try await (index, scores) in group { rows[index] = scores }
                return rows
            }
            return [BlazeFaceClient.tensor(found),
                    TensorData(name: "safety", shape: [found.count, NudeNetClient.classes], floats: safety.flatMap { $0 })]
        }))

        // Ensemble: both face models on one image, merged; `votes` says which model saw each merged face.
        try await engine.deploy(DeploymentConfig(name: "faces-ensemble", backend: .handler(inputs: [RGBImage.spec]) { request in
            let image = try RGBImage(tensor: request.input(named: "image"))
            async let shortFaces = BlazeFaceClient.detect(image, variant: .shortRange, with: shortHandle)
            async let fullFaces = BlazeFaceClient.detect(image, variant: .fullRange, with: fullHandle)
            let (a, b) = try await (shortFaces, fullFaces)
            let all = a.faces.map { ($0, 0) } + b.faces.map { ($0, 1) }
            let merged = BlazeFace.weightedNonMaxSuppression(all.map { BlazeFace.Detection(box: $0.0.box, score: $0.0.score, keypoints: []) })
            let votes = merged.flatMap { face in
                (0..<2).map { model in Int32(all.filter { $0.1 == model && $0.0.box.iou(face.box) > 0.3 }.count) }
            }
            return [BlazeFaceClient.tensor(merged.map { FaceHit(box: $0.box, score: $0.score) }),
                    try TensorData(name: "votes", datatype: .int32, shape: [merged.count, 2], data: votes.withUnsafeBytes { Data($0) }),
                    .text("models", a.response.modelName + "," + b.response.modelName)]
        }))

        // Dynamic selection: small images to the short-range model, the rest to the full-range one.
        try await engine.deploy(DeploymentConfig(name: "face-router", backend: .handler(inputs: [RGBImage.spec]) { request in
            let image = try RGBImage(tensor: request.input(named: "image"))
            let variant: BlazeFace.Variant = max(image.width, image.height) <= Self.shortRangeMaxSide ? .shortRange : .fullRange
            let (found, response) = try await BlazeFaceClient.detect(image, variant: variant,
                                                                     with: variant == .shortRange ? shortHandle : fullHandle)
            return [BlazeFaceClient.tensor(found), .text("served_by", response.modelName)]
        }))

        // Business logic: a per-customer lookup around a model call (the model lives in its own deployment).
        try await engine.deploy(DeploymentConfig(name: "customer-faces", backend: .handler(
            inputs: [RGBImage.spec, TensorSpec(name: "customer", datatype: .int32, shape: [1])]
        ) { request in
            guard let customer = request.input(named: "customer")?.int32s.first else { throw ServingError(.invalidInput, "no customer") }
            guard let rules = Self.customers[customer] else {
                throw ServingError(.invalidInput, "unknown customer \(customer)")
            }
            let image = try RGBImage(tensor: request.input(named: "image"))
            let found = try await BlazeFaceClient.detect(image, variant: rules.variant,
                                                         with: rules.variant == .shortRange ? shortHandle : fullHandle,
                                                         minScore: rules.minScore).faces
            return [BlazeFaceClient.tensor(found.filter { max($0.box.width, $0.box.height) >= rules.minFaceSide })]
        }))

        let engine = engine
        Task { await engine.run() }
        for name in await engine.names {
            let deployment = try await engine.deployment(named: name)
            guard await eventually("\(name) ready", { await deployment.isReady }) else {
                throw ServingError(.unavailable, "\(name) never became ready")
            }
        }
    }

    func call(_ name: String, _ inputs: [TensorData]) async throws -> InferenceResponse {
        try await engine.handle(name).infer(InferenceRequest(inputs: inputs))
    }
}

@Suite(.timeLimit(.minutes(3))) struct CompositionTests {
    static let astronaut = Result { try RGBImage.load(ModelFixtures.astronaut) }

    func server() async throws -> CompositionServer { try await CompositionServer.shared.value }

    @Test func pipelineFindsTheFaceThenRunsTheSecondModelOnEachCrop() async throws {
        let server = try await server()
        let image = try Self.astronaut.get()
        let response = try await server.call("faces-then-safety", [image.tensor()])
        #expect(response.modelName == "faces-then-safety")
        let faces = BlazeFaceClient.faces(response.output(named: "faces"))
        #expect(faces.contains { $0.box.iou(ModelFixtures.astronautFace) > 0.4 && $0.score > 0.7 }, "faces \(faces)")
        // One NudeNet result per face, each a row of 18 class scores in 0…1.
        let safety = try #require(response.output(named: "safety"))
        #expect(safety.shape == [faces.count, NudeNetClient.classes])
        let scores = try #require(safety.floats())
        #expect(scores.allSatisfy { $0 >= 0 && $0 <= 1 })
        // The crop really is the face: NudeNet's strongest class on the astronaut's is FACE_FEMALE.
        let labels = try ModelFixtures.repository.manifest(named: "nudenet-320n").labels
        let astronautRow = try #require(faces.firstIndex { $0.box.iou(ModelFixtures.astronautFace) > 0.4 })
        let row = Array(scores[(astronautRow * NudeNetClient.classes)..<((astronautRow + 1) * NudeNetClient.classes)])
        let best = try #require(row.indices.max { row[$0] < row[$1] })
        #expect(labels[best] == "FACE_FEMALE", "scores \(zip(labels, row).map { "\($0)=\($1)" })")
        #expect(row[best] > 0.3)

        // A picture without a face: no face and so no second-model call, but a well-formed answer.
        let gray = RGBImage(width: 64, height: 48, pixels: [UInt8](repeating: 128, count: 64 * 48 * 3))
        let none = try await server.call("faces-then-safety", [gray.tensor()])
        #expect(none.output(named: "faces")?.shape == [0, 5])
        #expect(none.output(named: "safety")?.shape == [0, NudeNetClient.classes])
    }

    @Test func ensembleMergesBothFaceModels() async throws {
        let server = try await server()
        let response = try await server.call("faces-ensemble", [try Self.astronaut.get().tensor()])
        #expect(response.output(named: "models")?.text == "blazeface-short,blazeface-full")
        let faces = BlazeFaceClient.faces(response.output(named: "faces"))
        let votes = try #require(response.output(named: "votes")?.int32s)
        #expect(votes.count == faces.count * 2)
        let index = try #require(faces.firstIndex { $0.box.iou(ModelFixtures.astronautFace) > 0.4 }, "faces \(faces)")
        // Both models saw the astronaut's face and were merged into one box.
        #expect(votes[index * 2] >= 1 && votes[index * 2 + 1] >= 1, "votes \(votes)")
        #expect(faces.filter { $0.box.iou(ModelFixtures.astronautFace) > 0.1 }.count == 1)
    }

    @Test func routerPicksTheFaceModelByImageSize() async throws {
        let server = try await server()
        let large = try Self.astronaut.get()
        let small = try RGBImage.load(ModelFixtures.astronaut, side: 160)
        for (image, expected) in [(large, "blazeface-full"), (small, "blazeface-short")] {
            let response = try await server.call("face-router", [image.tensor()])
            #expect(response.output(named: "served_by")?.text == expected, "\(image.width)x\(image.height)")
            let scale = Double(image.width) / 512
            let face = ModelFixtures.astronautFace
            let expectedBox = BoundingBox(x: face.x * scale, y: face.y * scale, width: face.width * scale, height: face.height * scale)
            let faces = BlazeFaceClient.faces(response.output(named: "faces"))
            #expect(faces.contains { $0.box.iou(expectedBox) > 0.4 }, "\(expected): \(faces)")
        }
    }

    @Test func businessLogicAppliesEachCustomersRulesAroundTheModel() async throws {
        let server = try await server()
        let image = try Self.astronaut.get().tensor()
        let everyone = try await server.call("customer-faces", [image, int32Scalar("customer", 1)])
        let faces = BlazeFaceClient.faces(everyone.output(named: "faces"))
        #expect(faces.contains { $0.box.iou(ModelFixtures.astronautFace) > 0.4 }, "\(faces)")
        // The face is about 120 px: too small for the close-ups-only customer.
        let closeUps = try await server.call("customer-faces", [image, int32Scalar("customer", 2)])
        #expect(closeUps.output(named: "faces")?.shape == [0, 5])
        do {
            _ = try await server.call("customer-faces", [image, int32Scalar("customer", 99)])
            Issue.record("an unknown customer was served")
        } catch let error as ServingError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("unknown customer 99"))
        }
    }
}
