import Foundation
import HTTPTypes
import Hummingbird
import Serving

extension HTTPField.Name {
    static let inferenceHeaderContentLength = HTTPField.Name(KServeCodec.headerLengthField)!
}

/// The KServe v2 REST protocol (health, server and model metadata, readiness, infer) over the engine.
struct KServeRoutes {
    let engine: ServingEngine
    let maxBodyBytes: Int
    let serverVersion: String

    func register(on router: Hummingbird.Router<PlayheadRequestContext>) {
        router.get("/v2/health/live") { _, _ in KServeJSON.response(["live": true]) }
        router.get("/v2/health/ready") { _, _ in
            let ready = await engine.isReady()
            if !ready { throw APIError(.serviceUnavailable, code: "unavailable", message: "deployments are still starting", retryAfterSeconds: 1) }
            return KServeJSON.response(["ready": true])
        }
        router.get("/v2") { _, _ in
            KServeJSON.response(["name": "playhead", "version": serverVersion, "extensions": ["binary_tensor_data"]])
        }
        router.get("/v2/models/{name}") { _, context in try await metadata(context, version: nil) }
        router.get("/v2/models/{name}/versions/{version}") { _, context in
            try await metadata(context, version: context.parameters.require("version"))
        }
        router.get("/v2/models/{name}/ready") { _, context in try await readiness(context, version: nil) }
        router.get("/v2/models/{name}/versions/{version}/ready") { _, context in
            try await readiness(context, version: context.parameters.require("version"))
        }
        router.post("/v2/models/{name}/infer") { request, context in try await infer(request, context, version: nil) }
        router.post("/v2/models/{name}/versions/{version}/infer") { request, context in
            try await infer(request, context, version: context.parameters.require("version"))
        }
    }

    private func deployment(_ context: PlayheadRequestContext, version: String?) async throws -> Deployment {
        let deployment = try await engine.deployment(named: context.parameters.require("name"))
        if let version {
            let served = await deployment.replicaVersions
            let current = await deployment.config.version
            guard served.contains(version) || version == current else {
                throw ServingError(.versionNotFound, "deployment '\(deployment.name)' serves version \(current), not \(version)")
            }
        }
        return deployment
    }

    private func metadata(_ context: PlayheadRequestContext, version: String?) async throws -> Response {
        let deployment = try await deployment(context, version: version)
        let config = await deployment.config
        func specs(_ specs: [TensorSpec]) -> [[String: Any]] {
            specs.map { ["name": $0.name, "datatype": $0.datatype.rawValue, "shape": $0.shape] }
        }
        let versions = Array(Set(await deployment.replicaVersions + [config.version])).sorted()
        return KServeJSON.response([
            "name": deployment.name, "versions": versions, "platform": "openvino",
            "inputs": specs(await deployment.inputs), "outputs": specs(await deployment.outputs),
            "max_batch_size": config.batching.maxBatchSize,
        ])
    }

    private func readiness(_ context: PlayheadRequestContext, version: String?) async throws -> Response {
        let deployment = try await deployment(context, version: version)
        guard await deployment.isReady else {
            throw APIError(.serviceUnavailable, code: "unavailable", message: "deployment '\(deployment.name)' has no replica ready yet", retryAfterSeconds: 1)
        }
        return KServeJSON.response(["name": deployment.name, "ready": true])
    }

    private func infer(_ request: Request, _ context: PlayheadRequestContext, version: String?) async throws -> Response {
        let deployment = try await deployment(context, version: version)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
            throw APIError(.contentTooLarge, code: "payload_too_large", message: "the body is \(declared) bytes; this server accepts at most \(maxBodyBytes)")
        }
        var headerLength: Int?
        if let field = request.headers[.inferenceHeaderContentLength] {
            guard let value = Int(field) else {
                throw ServingError(.invalidInput, "\(KServeCodec.headerLengthField) must be an integer, got '\(field)'")
            }
            headerLength = value
        }
        // Sized from Content-Length up front, so a megabyte tensor body is not copied again on every growth.
        var buffer = ByteBufferAllocator().buffer(capacity: min(request.headers[.contentLength].flatMap(Int.init) ?? 0, maxBodyBytes))
        try await request.body.collect(upTo: maxBodyBytes, into: &buffer)
        let decoded = try KServeCodec.decodeRequest(Data(sharing: buffer), headerLength: headerLength)
        // A client that disconnects cancels the work: the request leaves the queue or its batch.
        let response = try await context.cancellingOnDisconnect { try await deployment.infer(decoded.request) }
        let encoded = KServeCodec.encodeResponse(response, binaryOutputs: decoded.binaryOutputs, allBinary: decoded.allBinary)
        var headers: HTTPFields = [:]
        if let length = encoded.jsonHeaderLength {
            headers[.contentType] = "application/octet-stream"
            headers[.inferenceHeaderContentLength] = String(length)
        } else {
            headers[.contentType] = "application/json"
        }
        var body = ByteBufferAllocator().buffer(capacity: encoded.byteCount)
        for part in encoded.parts { body.writeBytes(part) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}
