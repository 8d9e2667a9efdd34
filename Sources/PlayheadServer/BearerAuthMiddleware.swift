import Hummingbird
import PlayheadCore

/// Requires `Authorization: Bearer <token>` on every route except the public ones (health, metrics,
/// the OpenAPI document). Tokens are compared through their SHA-256 digests in constant time, so
/// response timing says nothing about how much of a guess was right.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let expectedDigest: [UInt8]
    static var publicPaths: Set<String> { ["/v2/health/live", "/v2/health/ready", "/metrics", "/openapi.yaml"] }

    init(token: String) {
        expectedDigest = SHA256.hash(Array(token.utf8))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, code: "unauthorized", message: "this server requires 'Authorization: Bearer <token>'")
        }
        let digest = SHA256.hash(Array(header.dropFirst("Bearer ".count).utf8))
        var difference: UInt8 = 0
        for (a, b) in zip(digest, expectedDigest) { difference |= a ^ b }
        guard difference == 0 else {
            throw APIError(.unauthorized, code: "unauthorized", message: "the bearer token is not valid")
        }
        return try await next(request, context)
    }
}
