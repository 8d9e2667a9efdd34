import Dispatch

/// Runs a decoder's blocking calls on a serial Dispatch queue of its own.
///
/// FFmpeg decoding blocks its thread for milliseconds per frame; on Swift's cooperative pool (one
/// thread per core) that stalls every other task, e.g. a server's request handling or the model
/// inference a pipeline wants to overlap with decoding. The decoder is only ever touched on `queue`,
/// which is what makes handing it across the `@unchecked Sendable` boundary safe.
final class DecodeThread<Decoder>: @unchecked Sendable {
    private let decoder: Decoder
    private let queue: DispatchQueue

    private init(_ decoder: Decoder, queue: DispatchQueue) {
        self.decoder = decoder
        self.queue = queue
    }

    /// Opens the decoder on its own queue (opening reads and probes the file, which blocks too).
    static func open(label: String, _ make: @escaping @Sendable () throws -> Decoder) async throws -> DecodeThread {
        let queue = DispatchQueue(label: "playhead.decode.\(label)")
        let result: Result<DecodeThread, any Error> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { DecodeThread(try make(), queue: queue) })
            }
        }
        return try result.get()
    }

    /// Runs `body` on the decoder's queue and returns its result to the awaiting task. `body` gets the
    /// decoder only for the duration of the call.
    func run<T: Sendable>(_ body: @escaping @Sendable (Decoder) throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { try body(self.decoder) })
            }
        }
        return try result.get()
    }
}
