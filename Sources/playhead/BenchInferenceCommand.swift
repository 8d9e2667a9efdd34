import ArgumentParser
import Foundation
import Inference
import PlayheadCore
import Synchronization

/// `playhead bench inference`: Playhead's OpenVINO wrapper against OpenVINO's own Python API, same run.
///
/// For each model: batch-1 latency (LATENCY hint, one request, p50/p95 after warm-up) and throughput
/// (THROUGHPUT hint, a pool of the optimal number of requests kept busy for a fixed duration).
/// Both contenders use the device's default precision, read the same model file and feed the same bytes.
struct BenchInferenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Compare Swift (Playhead) and Python (OpenVINO) inference latency and throughput on the same models.")

    @Option(name: .customLong("models"), help: "Model repository root (default: $PLAYHEAD_MODELS, else ./models).")
    var root: String?

    @Option(name: .customLong("model"), help: "Models to measure (repeatable).")
    var modelNames: [String] = ["blazeface-short", "nudenet-320n"]

    @Option(help: "Timed latency iterations per contender.")
    var iterations = 300

    @Option(help: "Untimed warm-up iterations before the latency loop.")
    var warmup = 30

    @Option(name: .customLong("duration-s"), help: "Seconds of each throughput measurement.")
    var durationSeconds = 3.0

    @Option(help: "Rounds of each contender, alternating; medians are reported.")
    var rounds = 3

    @Option(help: "Python interpreter with the openvino package (default: $PLAYHEAD_PYTHON, else .venv/bin/python, else python3).")
    var python: String?

    @Option(help: "Path of the Python contender (default: bench/ov_python_bench.py in the package).")
    var script: String?

    func validate() throws {
        guard iterations >= 1, warmup >= 0, durationSeconds > 0, rounds >= 1 else {
            throw ValidationError("--iterations and --rounds must be ≥ 1, --warmup ≥ 0 and --duration-s > 0")
        }
    }

    func run() async throws {
        do {
            try await measure()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw commandFailure(error)
        }
    }

    private func measure() async throws {
        let repository = ModelRepository(root: root ?? ModelRepository.defaultRoot())
        let python = self.python ?? ModelRepository.defaultPython()
        let script = try self.script ?? BenchInferenceCommand.locateScript()
        let core = try InferenceCore()
        print("OpenVINO \(try InferenceCore.version); devices \(try core.availableDevices().joined(separator: ", "))")
        print("latency: LATENCY hint, batch 1, \(warmup) warm-up + \(iterations) timed; throughput: THROUGHPUT hint, optimal requests, \(durationSeconds) s")
        print("precision: device default in both contenders; \(rounds) alternating rounds, medians\n")

        var rows: [[String]] = []
        for name in modelNames {
            let manifest = try repository.manifest(named: name)
            let path = try repository.modelPath(named: name)
            guard manifest.inputs.count == 1 else {
                throw PlayheadError(.invalidArgument, "bench inference measures single-input models; \(name) has \(manifest.inputs.count)")
            }
            let shape = BenchInferenceCommand.benchShape(manifest)
            let input = try BenchInferenceCommand.deterministicInput(shape: shape)
            let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("playhead-bench-\(UUID().uuidString).f32")
            try input.withUnsafeBytes { try Data($0).write(to: inputFile) }
            defer { try? FileManager.default.removeItem(at: inputFile) }

            var swiftRounds: [Figures] = [], peerRounds: [Figures] = []
            // Alternate the contenders so a noisy neighbour on this shared machine hits both.
            for round in 1...rounds {
                print("\(name) \(shape) round \(round)/\(rounds): Swift…")
                swiftRounds.append(try await measureSwift(core: core, path: path, shape: shape, input: input))
                print("\(name) \(shape) round \(round)/\(rounds): Python…")
                peerRounds.append(try await runPython(python: python, script: script, model: path, shape: shape, input: inputFile.path))
            }
            let swift = Figures.median(swiftRounds), peer = Figures.median(peerRounds)
            let label = "\(name) [\(swift.precision)/\(peer.precision)]"
            rows.append([label, "latency p50 ms", format(swift.p50), format(peer.p50), ratio(swift.p50, peer.p50), overhead(swift.p50 / peer.p50)])
            rows.append(["", "latency p95 ms", format(swift.p95), format(peer.p95), ratio(swift.p95, peer.p95), overhead(swift.p95 / peer.p95)])
            rows.append([
                "", "throughput /s (\(swift.requests)/\(peer.requests) req)", format(swift.throughput), format(peer.throughput),
                ratio(swift.throughput, peer.throughput), overhead(peer.throughput / swift.throughput),
            ])
        }
        print("")
        printTable(header: ["MODEL [precision swift/python]", "METRIC", "SWIFT", "PYTHON", "SWIFT/PYTHON", "SWIFT OVERHEAD"], rows: rows)
        print("\nSWIFT OVERHEAD: extra time per inference in Swift (latency: swift/python − 1; throughput: python/swift − 1).")
    }

    struct Figures {
        var precision: String
        var p50: Double
        var p95: Double
        var throughput: Double
        var requests: Int

        /// Per-metric medians over rounds.
        static func median(_ rounds: [Figures]) -> Figures {
            Figures(
                precision: rounds[0].precision, p50: playhead.median(rounds.map(\.p50)), p95: playhead.median(rounds.map(\.p95)),
                throughput: playhead.median(rounds.map(\.throughput)), requests: rounds[0].requests)
        }
    }

    private func measureSwift(core: InferenceCore, path: String, shape: [Int], input: [Float]) async throws -> Figures {
        let tensor = try Tensor(shape: shape, floats: input)

        let latencyModel = try core.readModel(path: path)
        if latencyModel.isDynamic { try latencyModel.reshape(shape) }
        let latencyCompiled = try core.compile(model: latencyModel, options: CompileOptions(hint: .latency))
        let latencyPool = try InferRequestPool(model: latencyCompiled, size: 1)
        for _ in 0..<warmup { _ = try await latencyPool.infer([tensor]) }
        let clock = ContinuousClock()
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<iterations {
            let start = clock.now
            _ = try await latencyPool.infer([tensor])
            samples.append((clock.now - start).milliseconds)
        }
        samples.sort()

        let throughputModel = try core.readModel(path: path)
        if throughputModel.isDynamic { try throughputModel.reshape(shape) }
        let throughputCompiled = try core.compile(model: throughputModel, options: CompileOptions(hint: .throughput))
        let pool = try InferRequestPool(model: throughputCompiled)
        // Twice as many callers as requests, so a request never idles waiting for its next caller.
        let callers = pool.size * 2
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    let input = try Tensor(shape: shape, floats: input)
                    _ = try await pool.infer([input])
                }
            }
            try await group.waitForAll()
        }
        let duration = Duration.milliseconds(Int(durationSeconds * 1000))
        let start = clock.now
        let deadline = start + duration
        let completed = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    let input = try Tensor(shape: shape, floats: input)
                    var count = 0
                    while clock.now < deadline {
                        _ = try await pool.infer([input])
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = (clock.now - start).milliseconds / 1000
        return Figures(
            precision: try latencyCompiled.inferencePrecision,
            p50: percentile(samples, 50), p95: percentile(samples, 95),
            throughput: Double(completed) / elapsed, requests: pool.size)
    }

    private func runPython(python: String, script: String, model: String, shape: [Int], input: String) async throws -> Figures {
        let arguments = [
            script, "--model", model, "--shape", shape.map(String.init).joined(separator: ","), "--input", input,
            "--iterations", String(iterations), "--warmup", String(warmup), "--duration-s", String(durationSeconds),
        ]
        let result = try await ExternalProcess.run(python, arguments, operation: "run \(script)")
        guard result.status == 0 else {
            throw PlayheadError(.toolFailed, "\(python) \(script) exited with status \(result.status): \(result.errorTail)")
        }
        let output = result.standardOutput
        struct Report: Decodable {
            struct Latency: Decodable { var p50: Double; var p95: Double }
            struct Throughput: Decodable { var per_s: Double; var requests: Int }
            var precision: String
            var latency_ms: Latency
            var throughput: Throughput
        }
        guard let line = output.split(separator: "\n").last,
              let report = try? JSONDecoder().decode(Report.self, from: Data(line.utf8))
        else {
            throw PlayheadError(.toolFailed, "\(script) printed no JSON report: \(output.suffix(300))")
        }
        return Figures(
            precision: report.precision, p50: report.latency_ms.p50, p95: report.latency_ms.p95,
            throughput: report.throughput.per_s, requests: report.throughput.requests)
    }

    /// The model's input shape with dynamic axes fixed: batch 1, and the manifest's input size for images.
    static func benchShape(_ manifest: ModelManifest) -> [Int] {
        let port = manifest.inputs[0]
        guard port.isDynamic else { return port.shape }
        let size = manifest.preprocessing.inputSize ?? [320, 320]
        let (height, width) = (size[0] > 0 ? size[0] : 320, size.count > 1 && size[1] > 0 ? size[1] : 320)
        let layout = Array(manifest.preprocessing.layout)
        return port.shape.enumerated().map { axis, dimension in
            guard dimension == -1 else { return dimension }
            switch axis < layout.count ? layout[axis] : "?" {
            case "H": return height
            case "W": return width
            default: return 1
            }
        }
    }

    /// A fixed pseudo-random pattern in −1…1: any run, any language, the same bytes.
    static func deterministicInput(shape: [Int]) throws -> [Float] {
        let count = shape.reduce(1, *)
        return (0..<count).map { Float(Double(($0 &* 7919) % 2001) / 1000.0 - 1.0) }
    }

    static func locateScript() throws -> String {
        let relative = "bench/ov_python_bench.py"
        let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [URL(fileURLWithPath: FileManager.default.currentDirectoryPath), sourceRoot] {
            let path = candidate.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw PlayheadError(.fileNotFound, "cannot find \(relative); run from the package root or pass --script")
    }
}

/// Nearest-rank percentile of sorted samples (the rule bench/ov_python_bench.py uses too).
private func percentile(_ sorted: [Double], _ q: Double) -> Double {
    let index = Int((q / 100 * Double(sorted.count - 1)).rounded())
    return sorted[min(max(index, 0), sorted.count - 1)]
}

private func format(_ value: Double) -> String { String(format: value >= 100 ? "%.1f" : "%.3f", value) }
private func ratio(_ a: Double, _ b: Double) -> String { String(format: "%.3f", a / b) }
private func overhead(_ ratio: Double) -> String { String(format: "%+.1f%%", (ratio - 1) * 100) }

private extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
