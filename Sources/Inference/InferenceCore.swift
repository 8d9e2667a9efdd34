internal import COpenVINO
import Foundation

/// The OpenVINO runtime (`ov_core_t`): reads models and compiles them for a device.
///
/// Create one per process and share it; compiled models and requests keep it alive.
// @unchecked Sendable: OpenVINO documents ov::Core as thread-safe (read_model/compile_model may be
// called concurrently), and this class holds nothing but the immutable handle.
public final class InferenceCore: @unchecked Sendable {
    let handle: OpaquePointer

    /// Creates the runtime, loading OpenVINO's plugins lazily on first use of a device.
    public init() throws(InferenceError) {
        var core: OpaquePointer?
        try check(ov_core_create(&core), "create OpenVINO core")
        guard let core else {
            throw InferenceError(.inferenceFailed, operation: "create OpenVINO core", message: "OpenVINO returned no core")
        }
        handle = core
    }

    deinit { ov_core_free(handle) }

    /// OpenVINO's build number, e.g. `2026.4.1-22982-e213a147257-releases/2026/4`.
    public static var version: String {
        get throws(InferenceError) {
            var version = ov_version_t()
            try check(ov_get_openvino_version(&version), "get OpenVINO version")
            defer { ov_version_free(&version) }
            return version.buildNumber.map { String(cString: $0) } ?? ""
        }
    }

    /// Devices OpenVINO can compile for on this machine (e.g. `["CPU"]`).
    public func availableDevices() throws(InferenceError) -> [String] {
        var devices = ov_available_devices_t()
        try check(ov_core_get_available_devices(handle, &devices), "list available devices")
        defer { ov_available_devices_free(&devices) }
        return (0..<devices.size).compactMap { devices.devices[$0].map { String(cString: $0) } }
    }

    /// Reads a model file: ONNX (`.onnx`), TensorFlow Lite (`.tflite`) or OpenVINO IR (`.xml` with its `.bin` beside it).
    ///
    /// A missing file is `.modelNotFound`; a file OpenVINO cannot parse is `.modelInvalid` with OpenVINO's message.
    public func readModel(path: String) throws(InferenceError) -> Model {
        let operation = "read model \(path)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw InferenceError(.modelNotFound, operation: operation, message: "no model file at \(path)")
        }
        var model: OpaquePointer?
        try check(ov_core_read_model(handle, path, nil, &model), operation, code: .modelInvalid)
        guard let model else {
            throw InferenceError(.modelInvalid, operation: operation, message: "OpenVINO returned no model")
        }
        return try Model(handle: model, core: self, path: path)
    }

    /// Compiles a model for `options.device`; the result serves any number of concurrent requests.
    ///
    /// Properties are passed as an explicit `ov_property_t` array; OpenVINO rejects unknown devices
    /// and invalid values (`.invalidArgument`), and models the device cannot run (`.modelInvalid`).
    public func compile(model: Model, options: CompileOptions = CompileOptions()) throws(InferenceError) -> CompiledModel {
        let operation = "compile model \(model.path ?? "") for \(options.device)"
        let properties = try options.openVINOProperties()
        // strdup'd copies outlive the call; OpenVINO copies the values into its own config.
        let keys = properties.map { strdup($0.key)! }
        let values = properties.map { strdup($0.value)! }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let cProperties = zip(keys, values).map { ov_property_t(key: UnsafePointer($0), value: UnsafeRawPointer($1)) }
        var compiled: OpaquePointer?
        let status = cProperties.withUnsafeBufferPointer { buffer in
            ov_core_compile_model_props(handle, model.handle, options.device, buffer.count, buffer.baseAddress, &compiled)
        }
        try check(status, operation, code: status == NOT_FOUND || status == PARAMETER_MISMATCH ? .invalidArgument : .modelInvalid)
        guard let compiled else {
            throw InferenceError(.modelInvalid, operation: operation, message: "OpenVINO returned no compiled model")
        }
        return try CompiledModel(handle: compiled, core: self, options: options, sourcePath: model.path)
    }
}
