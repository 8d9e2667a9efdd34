import Foundation
@testable import Inference
import PlayheadCore
import Testing

/// Shared state and helpers for the Inference tests. The tests expect `playhead models pull` to have
/// installed the catalog into `<package root>/models` (the test command runs it first).
enum Fixtures {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static let repository = ModelRepository(root: packageRoot.appendingPathComponent("models").path)

    static let python: String = {
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : ModelRepository.defaultPython()
    }()

    /// One runtime for the whole suite, as in the product.
    static let core: InferenceCore = {
        do { return try InferenceCore() } catch { fatalError("OpenVINO core: \(error)") }
    }()

    static func modelPath(_ name: String) throws -> String { try repository.modelPath(named: name) }

    /// Reads `name`, fixes dynamic axes to `shape` and compiles it at f32 (so results compare exactly
    /// with an f32 reference on AMX machines too).
    static func compiled(_ name: String, shape: [Int]? = nil, hint: CompileOptions.PerformanceHint = .latency) throws -> CompiledModel {
        let model = try core.readModel(path: modelPath(name))
        if let shape, model.isDynamic { try model.reshape(shape) }
        return try core.compile(model: model, options: CompileOptions(hint: hint, precision: .f32))
    }

    /// A fixed pseudo-random pattern in `low...high`, reproducible in any language.
    static func pattern(count: Int, low: Float = -1, high: Float = 1, seed: Int = 0) -> [Float] {
        (0..<count).map { index in
            let unit = Double(((index &+ seed) &* 7919) % 2001) / 2000.0
            return Float(Double(low) + Double(high - low) * unit)
        }
    }

    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("playhead-inference-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct ReferenceOutput {
        var shape: [Int]
        var values: [Float]
    }

    /// Runs scripts/ov_reference.py (OpenVINO's Python API, f32) on the same input bytes.
    static func pythonReference(model: String, inputs: [(shape: [Int], values: [Float])]) async throws -> [ReferenceOutput] {
        let scratch = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var arguments = [packageRoot.appendingPathComponent("scripts/ov_reference.py").path, "--model", model,
                         "--out-dir", scratch.path, "--precision", "f32"]
        for (index, input) in inputs.enumerated() {
            let file = scratch.appendingPathComponent("input\(index).f32")
            try input.values.withUnsafeBytes { try Data($0).write(to: file) }
            arguments += ["--input", "\(input.shape.map(String.init).joined(separator: ","))=\(file.path)"]
        }
        let result = try await ExternalProcess.run(python, arguments, operation: "ov_reference.py").get()
        struct Report: Decodable {
            struct Output: Decodable { var shape: [Int]; var file: String }
            var outputs: [Output]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.standardOutput.utf8))
        return try report.outputs.map { output in
            let data = try Data(contentsOf: URL(fileURLWithPath: output.file))
            let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return ReferenceOutput(shape: output.shape, values: values)
        }
    }

    /// Repeats a timing-dependent scenario until it yields its result; `nil` means the machine's
    /// scheduling decided the race the other way this time. Fails after `attempts` tries.
    static func untilTheRaceIsWon<T>(attempts: Int = 10, _ scenario: () async throws -> T?) async throws -> T {
        for _ in 0..<attempts {
            if let result = try await scenario() { return result }
        }
        Issue.record("the scenario lost its race \(attempts) times in a row")
        throw CancellationError()
    }
}

extension ExternalProcess.Result {
    /// The result when the process exited 0, else a `.toolFailed` error with its stderr.
    func get() throws(PlayheadError) -> Self {
        guard status == 0 else { throw PlayheadError(.toolFailed, "helper process failed: \(errorTail)") }
        return self
    }
}
