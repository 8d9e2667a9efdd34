import Foundation
import Synchronization

/// Runs a helper program (pip, python, ffmpeg) to completion without blocking a Swift thread.
public enum ExternalProcess {
    /// Exit status and captured output of a finished program.
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String

        /// The last lines of stderr, enough to show why a tool failed without flooding the terminal.
        public var errorTail: String {
            let lines = standardError.split(separator: "\n", omittingEmptySubsequences: true)
            return lines.suffix(8).joined(separator: "\n")
        }
    }

    /// Runs `executable` with `arguments`; output goes to temporary files (no pipe can fill and stall
    /// the child). Cancelling the task terminates the child. Failure to launch is `.toolFailed`.
    public static func run(_ executable: String, _ arguments: [String], operation: String) async throws(PlayheadError) -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("playhead-process-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw PlayheadError(.ioError, "\(operation): cannot create \(scratch.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        let out: FileHandle, err: FileHandle
        do {
            guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
                  FileManager.default.createFile(atPath: errURL.path, contents: nil)
            else { throw CocoaError(.fileWriteUnknown) }
            out = try FileHandle(forWritingTo: outURL)
            err = try FileHandle(forWritingTo: errURL)
        } catch {
            throw PlayheadError(.ioError, "\(operation): cannot open output files: \(error.localizedDescription)")
        }
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        // A bare name ("python3") is looked up on PATH the way a shell would.
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let running = RunningProcess(process)
        let status = try await withTaskCancellationHandler {
            await running.run(operation: operation)
        } onCancel: {
            running.terminate()
        }.get()
        if Task.isCancelled { throw PlayheadError(.cancelled, "\(operation) was cancelled") }
        return Result(
            status: status,
            standardOutput: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}

/// A launched child process shared between the waiting task and its cancellation handler.
// @unchecked Sendable: `Process` is a reference type Foundation does not mark Sendable; this wrapper only
// calls `run` once (from the task) and `terminate` (thread-safe, a signal) from the cancellation handler.
private final class RunningProcess: @unchecked Sendable {
    private let process: Process

    init(_ process: Process) { self.process = process }

    /// Launches the child and suspends until it exits; the status, or `.toolFailed` if it could not start.
    func run(operation: String) async -> Swift.Result<Int32, PlayheadError> {
        await withCheckedContinuation { continuation in
            process.terminationHandler = { finished in
                continuation.resume(returning: .success(finished.terminationStatus))
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                let message = "\(operation): cannot run \(process.executableURL?.path ?? "?"): \(error.localizedDescription)"
                continuation.resume(returning: .failure(PlayheadError(.toolFailed, message)))
            }
        }
    }

    func terminate() {
        if process.isRunning { process.terminate() }
    }
}
