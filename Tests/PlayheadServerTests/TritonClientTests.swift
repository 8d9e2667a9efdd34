import Foundation
import PlayheadCore
import Serving
import Testing
import TestSupport

/// Drives a live server with the official KServe v2 Python client, `tritonclient[http]`, unchanged.
@Suite struct TritonClientTests {
    static let script = #"""
    import sys, numpy as np, openvino as ov, tritonclient.http as http
    url, model_path = sys.argv[1], sys.argv[2]
    client = http.InferenceServerClient(url)
    assert client.is_server_live() and client.is_server_ready(), "server not live/ready"
    assert client.is_model_ready("nudenet"), "model not ready"
    meta = client.get_model_metadata("nudenet")
    assert meta["inputs"][0]["name"] == "images" and meta["inputs"][0]["datatype"] == "FP32", meta
    assert client.get_server_metadata()["name"] == "playhead"
    rng = np.random.RandomState(7)
    images = [rng.rand(1, 3, 320, 320).astype(np.float32) for _ in range(3)]
    compiled = ov.Core().compile_model(model_path, "CPU")
    for x in images:
        expected = compiled(x)[0]
        answers = {}
        for binary in (True, False):
            inp = http.InferInput("images", list(x.shape), "FP32")
            inp.set_data_from_numpy(x, binary_data=binary)
            out = http.InferRequestedOutput("output0", binary_data=binary)
            result = client.infer("nudenet", [inp], outputs=[out], request_id="r1")
            y = result.as_numpy("output0")
            assert y.shape == expected.shape and y.dtype == np.float32, (y.shape, y.dtype)
            assert result.get_response()["id"] == "r1"
            answers[binary] = y
        # JSON carries floats as decimal text: it must round-trip exactly.
        assert np.array_equal(answers[True], answers[False]), "binary and JSON outputs differ"
        scale = float(np.abs(expected).max())
        worst = float(np.abs(answers[True] - expected).max())
        assert worst <= 1e-3 * scale, f"server output differs from OpenVINO Python by {worst} (scale {scale})"
    # An error reaches the client as an exception with the HTTP status.
    try:
        client.infer("no-such-model", [inp])
        raise SystemExit("expected an error for an unknown model")
    except http.InferenceServerException as error:
        assert error.status() == "404", error.status()
        assert "no-such-model" in str(error), str(error)
    print("ok")
    """#

    @Test func roundTripWithJSONAndBinaryTensors() async throws {
        let server = try await LiveServer.start { engine in
            try await engine.deploy(LiveServer.model("nudenet-320n", as: "nudenet") {
                $0.batching = .init(maxBatchSize: 4, maxWaitMs: 2)
            })
        }
        defer { Task { await server.stop() } }
        let python = TestMedia.packageRoot.appendingPathComponent(".venv/bin/python").path
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("tritonclient-\(UUID().uuidString).py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scriptURL) }
        let modelPath = try LiveServer.repository.modelPath(named: "nudenet-320n")
        let result = try await ExternalProcess.run(python, [scriptURL.path, "127.0.0.1:\(server.port)", modelPath], operation: "tritonclient")
        #expect(result.status == 0, "\(result.standardOutput)\n\(result.errorTail)")
        #expect(result.standardOutput.contains("ok"))
        await server.stop()
    }
}
