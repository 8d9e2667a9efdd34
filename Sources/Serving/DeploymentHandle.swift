import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Calls a deployment, in process or in another `playhead serve`, with the same Swift API.
///
/// In process, requests go straight to the deployment's queue (no serialization). Remote handles
/// speak KServe v2 with binary tensors. Cancelling the calling task cancels the work in both cases:
/// a local request leaves the queue or its batch; a remote call closes its connection, which the
/// remote server treats as a disconnect.
public struct DeploymentHandle: Sendable {
    private enum Target: Sendable {
        case local(Deployment)
        case remote(base: URL, name: String, token: String?, session: URLSession)
    }

    private let target: Target

    public init(_ deployment: Deployment) {
        target = .local(deployment)
    }

    /// A handle on deployment `name` served by the `playhead serve` at `baseURL`.
    public static func remote(_ baseURL: URL, name: String, token: String? = nil) -> DeploymentHandle {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 300
        return DeploymentHandle(target: .remote(base: baseURL, name: name, token: token, session: URLSession(configuration: configuration)))
    }

    private init(target: Target) {
        self.target = target
    }

    public var name: String {
        switch target {
        case .local(let deployment): deployment.name
        case .remote(_, let name, _, _): name
        }
    }

    public func infer(_ request: InferenceRequest) async throws(ServingError) -> InferenceResponse {
        switch target {
        case .local(let deployment):
            return try await deployment.infer(request)
        case .remote(let base, let name, let token, let session):
            return try await Self.remoteInfer(request, base: base, name: name, token: token, session: session)
        }
    }

    private static func remoteInfer(_ request: InferenceRequest, base: URL, name: String, token: String?, session: URLSession) async throws(ServingError) -> InferenceResponse {
        let url = base.appendingPathComponent("v2/models").appendingPathComponent(name).appendingPathComponent("infer")
        let body = KServeCodec.encodeRequest(request)
        var http = URLRequest(url: url)
        http.httpMethod = "POST"
        http.httpBody = body.data
        http.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        if let length = body.jsonHeaderLength { http.setValue(String(length), forHTTPHeaderField: KServeCodec.headerLengthField) }
        if let token { http.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: http)
        } catch {
            if Task.isCancelled { throw ServingError(.cancelled, "the remote call to \(url.absoluteString) was cancelled") }
            throw ServingError(.remoteFailed, "cannot reach \(url.absoluteString): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw ServingError(.remoteFailed, "no HTTP response from \(url.absoluteString)") }
        guard http.statusCode == 200 else {
            throw remoteError(status: http.statusCode, body: data, url: url)
        }
        let headerLength = http.value(forHTTPHeaderField: KServeCodec.headerLengthField).flatMap { Int($0) }
        do {
            return try KServeCodec.decodeResponse(data, headerLength: headerLength)
        } catch {
            throw ServingError(.remoteFailed, "\(url.absoluteString) sent an unreadable response: \(error.message)")
        }
    }

    /// Keeps the remote server's error code when it sent one, so callers can branch on it as if local.
    private static func remoteError(status: Int, body: Data, url: URL) -> ServingError {
        // KServe's error body, `{"error": message}`, with Playhead's `code` beside it.
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let message = object["error"] as? String,
           let code = (object["code"] as? String).flatMap(ServingError.Code.init(rawValue:)) {
            return ServingError(code, "\(url.host ?? "remote"): \(message)")
        }
        return ServingError(.remoteFailed, "\(url.absoluteString) answered HTTP \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
    }
}
