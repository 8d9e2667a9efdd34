import ArgumentParser
import Foundation
import PlayheadCore

/// Runs a command body; any failure becomes one line on stderr and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CancellationError {
        printError(PlayheadError(.cancelled, "cancelled: \(error)"))
        throw ExitCode(130)
    } catch let error as PlayheadErrorConvertible {
        printError(error.playheadError)
        throw ExitCode(1)
    } catch {
        printError(PlayheadError(.internal, String(describing: error)))
        throw ExitCode(1)
    }
}

func printError(_ error: PlayheadError) {
    FileHandle.standardError.write(Data("playhead: error: \(error.code.rawValue): \(error.message)\n".utf8))
}

/// Writes `data` to `path` through a temporary file and a rename, so readers never see half a report.
func writeAtomically(_ data: Data, to path: String) throws {
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw PlayheadError(.ioError, "cannot write \(path): \(error.localizedDescription)")
    }
}

let prettyJSON: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return encoder
}()
