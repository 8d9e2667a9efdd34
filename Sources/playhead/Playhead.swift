import ArgumentParser

@main
struct Playhead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playhead",
        abstract: "Video machine-learning inference: analyse files, run job workers, serve models, benchmark.",
        subcommands: [ProbeCommand.self, AnalyzeCommand.self, WorkerCommand.self, MediaCommand.self, PipelinesCommand.self, ModelsCommand.self, ServeCommand.self, BenchCommand.self]
    )
}

/// `playhead bench …`: measured comparisons against peers in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print Playhead's figures beside a peer's from the same run.",
        subcommands: [BenchDecodeCommand.self, BenchInferenceCommand.self, BenchStoreCommand.self]
    )
}
