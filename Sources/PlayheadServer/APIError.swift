import Foundation
import HTTPTypes
import Hummingbird
import PlayheadCore
import Serving
import Store

/// An HTTP error with the JSON body every route uses: `{"error": {"code": "...", "message": "..."}}`, except
/// the KServe v2 routes (`/v2/…`), whose protocol makes `error` the message string: `{"error": "...", "code": "..."}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// Stable, machine-readable; clients branch on it.
    public let code: String
    public let message: String
    public var retryAfterSeconds: Int?

    public init(_ status: HTTPResponse.Status, code: String, message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The HTTP form of a serving failure.
    public init(_ error: ServingError) {
        let status: HTTPResponse.Status
        var retry: Int?
        switch error.code {
        case .invalidInput, .invalidConfig: status = .badRequest
        case .deploymentNotFound, .versionNotFound: status = .notFound
        case .queueFull, .unavailable:
            status = .serviceUnavailable
            retry = 1
        case .deadlineExceeded: status = .gatewayTimeout
        case .cancelled: status = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
        case .remoteFailed: status = .badGateway
        case .inferenceFailed, .internal: status = .internalServerError
        }
        self.init(status, code: error.code.rawValue, message: error.message, retryAfterSeconds: retry)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        // KServe clients (tritonclient among them) print `error` as the message, so there it must be a string.
        let body = request.uri.path.hasPrefix("/v2")
            ? KServeJSON.data(["error": message, "code": code])
            : KServeJSON.data(["error": ["code": code, "message": message]])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(copying: body)))
    }
}

/// Turns every failure, including Hummingbird's own (unknown route, body too large), into `APIError` JSON.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as ServingError {
            throw APIError(error)
        } catch let error as StoreError {
            throw APIError(error)
        } catch let error as HTTPError {
            throw APIError(httpError: error, request: request)
        } catch let error as PlayheadErrorConvertible {
            throw APIError(error.playheadError)
        } catch is CancellationError {
            throw APIError(ServingError(.cancelled, "the client went away"))
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIError(.internalServerError, code: "internal", message: "internal error: \(error)")
        }
    }
}

extension APIError {
    /// Media and model failures: the caller's bad input is a 400 with the media code, the rest a 500.
    init(_ error: PlayheadError) {
        let clientCodes: Set<PlayheadError.Code> = [.fileNotFound, .emptyFile, .unsupportedFormat, .corruptMedia, .noVideoStream,
                                                    .noAudioStream, .invalidArgument, .decodeFailed]
        self.init(clientCodes.contains(error.code) ? .badRequest : .internalServerError, code: error.code.rawValue, message: error.message)
    }

    /// Store failures: malformed input is the caller's (400), a missing row a 404, a busy database a 503.
    init(_ error: StoreError) {
        switch error.code {
        case .unknownFeature, .invalidRange, .invalidInput: self.init(.badRequest, code: error.code.rawValue, message: error.message)
        case .notFound: self.init(.notFound, code: error.code.rawValue, message: error.message)
        case .conflict: self.init(.conflict, code: error.code.rawValue, message: error.message)
        case .unavailable: self.init(.serviceUnavailable, code: error.code.rawValue, message: error.message, retryAfterSeconds: 1)
        case .migrationFailed, .storageFailed: self.init(.internalServerError, code: error.code.rawValue, message: error.message)
        }
    }

    init(httpError: HTTPError, request: Request) {
        switch httpError.status {
        case .notFound:
            self.init(.notFound, code: "not_found", message: "no route \(request.method) \(request.uri.path); see GET /openapi.yaml")
        case .contentTooLarge:
            self.init(.contentTooLarge, code: "payload_too_large", message: httpError.body ?? "the request body is larger than the server accepts")
        case .unauthorized:
            self.init(.unauthorized, code: "unauthorized", message: httpError.body ?? "a valid bearer token is required")
        default:
            self.init(httpError.status, code: "http_\(httpError.status.code)", message: httpError.body ?? httpError.status.reasonPhrase)
        }
    }
}

/// Small JSON helpers shared by the routes.
enum KServeJSON {
    static func data(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func response(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(copying: data(object))))
    }
}

/// Bulk copies between NIO buffers and `Data` (tensor bodies are megabytes; a byte-wise sequence
/// copy is what the generic initialisers do in unoptimised builds).
extension ByteBuffer {
    init(copying data: Data) {
        self = ByteBufferAllocator().buffer(capacity: data.count)
        data.withUnsafeBytes { _ = self.writeBytes($0) }
    }
}

extension Data {
    init(copying buffer: ByteBuffer) {
        self = buffer.withUnsafeReadableBytes { Data($0) }
    }

    /// The buffer's readable bytes without a copy: the `Data` keeps the buffer's storage alive (as
    /// NIOFoundationCompat's no-copy transfer does).
    init(sharing buffer: ByteBuffer) {
        self = buffer.withUnsafeReadableBytesWithStorageManagement { bytes, storage in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return Data() }
            _ = storage.retain()
            return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .custom { _, _ in storage.release() })
        }
    }
}
