import Analyzers
import Inference
import MediaIO
import PlayheadCore
import Serving
import Testing
import TestSupport

/// Analyzers calling their models through serving deployments (the engine every path shares) give the
/// answers they give with a pool of their own.
@Suite struct AnalyzersThroughDeploymentsTests {
    @Test func faceAndSafetyAnalysisThroughDeploymentsMatchTheirOwnPools() async throws {
        let engine = try await CompositionServer.shared.value.engine
        let faces = FaceDetector(variant: .fullRange, runner: await DeploymentRunner(try await engine.deployment(named: "blazeface-full")),
                                 modelID: "blazeface-full@0.6.0")
        let nudenet = try await engine.deployment(named: "nudenet")
        let safety = SafetyDetector(runner: await DeploymentRunner(nudenet), modelID: "nudenet-320n@3.4.2",
                                    inputShape: try #require(await nudenet.inputs.first).shape)
        let path = try TestMedia.astronautThenPatterns()
        let served = try await VideoAnalysis(faces: .init(faces, fps: 5), safety: .init(safety, fps: 2)).run(path: path)

        let local = try await VideoAnalysis(
            faces: .init(try FaceDetector(variant: .fullRange, repository: ModelFixtures.repository, core: ModelFixtures.core), fps: 5),
            safety: .init(try SafetyDetector(repository: ModelFixtures.repository, core: ModelFixtures.core), fps: 2)
        ).run(path: path)

        let servedTracks = try #require(served.faceTracks), localTracks = try #require(local.faceTracks)
        #expect(servedTracks.count == localTracks.count && !servedTracks.isEmpty, "\(servedTracks) vs \(localTracks)")
        for (a, b) in zip(servedTracks, localTracks) {
            #expect(a.samples.count == b.samples.count)
            for (x, y) in zip(a.samples, b.samples) { #expect(x.time == y.time && x.box.iou(y.box) > 0.8) }
        }
        let servedLabels = Set(try #require(served.safety).segments.map(\.label))
        let localLabels = Set(try #require(local.safety).segments.map(\.label))
        #expect(servedLabels.contains("FACE_FEMALE") && localLabels.contains("FACE_FEMALE"), "\(servedLabels) vs \(localLabels)")
    }

    @Test func aRunnerRejectsTheWrongNumberOfInputs() async throws {
        let engine = try await CompositionServer.shared.value.engine
        let runner = await DeploymentRunner(try await engine.deployment(named: "nudenet"))
        await #expect(throws: ServingError.self) { _ = try await runner.run([]) }
    }
}
