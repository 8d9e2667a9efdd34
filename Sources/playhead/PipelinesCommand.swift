import ArgumentParser
import Foundation
import Inference
import Jobs
import PlayheadCore
import Serving
import Store

/// `playhead pipelines …`: features computed automatically for every media added to the catalog.
struct PipelinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "Register the features computed for every new media (POST /v1/media, playhead media add).",
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// The store option every subcommand takes.
    struct StoreOption: ParsableArguments {
        @Option(help: "The feature store: a SQLite path, sqlite:///path or postgres://user@host:port/db (default: $PLAYHEAD_DATA/playhead.db, else ./data/playhead.db).")
        var store: String?

        func url() throws(StoreError) -> StoreURL {
            try store.map { text throws(StoreError) in try StoreURL(text) } ?? StoreURL.defaultURL()
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add or replace a pipeline.")

        @Argument(help: "Pipeline name (letters, digits, '-', '_', '.').") var name: String
        @Option(help: "Comma-separated features: \(AnalysisOptions.knownFeatures.joined(separator: ", ")).") var features: String
        @Option(help: "Frames per second analysed for faces.") var fps: Double = 5
        @Option(help: "Frames per second read for on-screen text.") var textFPS: Double = 1
        @Option(help: "Frames per second analysed for brand safety.") var safetyFPS: Double = 2
        @Option(help: "Chunk length in seconds for the jobs (0: one chunk per file).") var chunkSeconds: Double = 10
        @OptionGroup var storeOption: StoreOption

        func run() async throws {
            try await reportingErrors {
                let options = try AnalysisOptions(features: features.split(separator: ",").map(String.init), faceFPS: fps, textFPS: textFPS,
                                                  safetyFPS: safetyFPS, chunkSeconds: chunkSeconds)
                let parameters = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
                let name = name
                try await storeOption.url().withStore { store in try await store.savePipeline(name: name, parameters: parameters) }
                print("pipeline \(name): \(options.features.joined(separator: ", ")) for every new media")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the pipelines.")
        @OptionGroup var storeOption: StoreOption

        func run() async throws {
            try await reportingErrors {
                for pipeline in try await storeOption.url().withStore({ store in try await store.pipelines() }) {
                    print("\(pipeline.name)\t\(pipeline.parameters)")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a pipeline; media already added keep their results.")
        @Argument var name: String
        @OptionGroup var storeOption: StoreOption

        func run() async throws {
            try await reportingErrors {
                let name = name
                try await storeOption.url().withStore { store in try await store.deletePipeline(name: name) }
            }
        }
    }
}

/// `playhead media add FILE…`: catalog files; each new one gets the pipelines' jobs, computed by workers.
struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Add media files to the catalog (the pipelines' features are then computed by workers).",
        subcommands: [Add.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add files to the catalog and queue the pipelines' jobs for the new ones.")

        @Argument(help: "Media files.") var files: [String]
        @Option(help: "Model repository (default: $PLAYHEAD_MODELS or ./models).") var models: String?
        @OptionGroup var storeOption: PipelinesCommand.StoreOption

        func run() async throws {
            try await reportingErrors {
                let repository = ModelRepository(root: models ?? ModelRepository.defaultRoot())
                let files = files.map { URL(fileURLWithPath: $0).path }
                try await storeOption.url().withStore { store in
                    let analysis = MediaAnalysis(store: store, factory: AnalyzerFactory(engine: ServingEngine(), repository: repository))
                    for file in files {
                        let cataloged = try await analysis.catalog(path: file)
                        var line = "\(cataloged.media.hex)\t\(file)"
                        if cataloged.isNew {
                            let (submitted, skipped) = try await analysis.runPipelines(for: cataloged.media)
                            line += submitted.compactMap { name, submission in submission.job.map { "\tjob \($0.id) (\(name))" } }.joined()
                            line += skipped.map { "\tskipped \($0.key): \($0.value)" }.sorted().joined()
                        } else {
                            line += "\talready in the catalog"
                        }
                        print(line)
                    }
                }
            }
        }
    }
}
