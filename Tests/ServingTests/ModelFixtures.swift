import Analyzers
import Foundation
import Inference
import MediaIO
import PlayheadCore
import Serving
import TestSupport

/// The installed models and photographs the real-model Serving tests use (`make test` pulls the models
/// into `./models`; setup puts the scikit-image photographs in `.cache/photos`).
enum ModelFixtures {
    static let repository = ModelRepository(root: TestMedia.packageRoot.appendingPathComponent("models").path)

    /// One OpenVINO runtime for the whole test process, as in the product.
    static let core: InferenceCore = {
        do { return try InferenceCore() } catch { fatalError("OpenVINO core: \(error)") }
    }()

    static let astronaut = TestMedia.packageRoot.appendingPathComponent(".cache/photos/astronaut.png").path
    static let camera = TestMedia.packageRoot.appendingPathComponent(".cache/photos/camera.png").path
    /// Where Eileen Collins' face is in the 512×512 photograph (as in FaceDetectionTests: hand-measured, generous).
    static let astronautFace = BoundingBox(x: 160, y: 40, width: 120, height: 140)

    static func modelPath(_ name: String) throws -> String { try repository.modelPath(named: name) }

    /// A model deployment; `f32` pins the precision so outputs compare the same on AVX2 and AMX machines.
    static func modelDeployment(_ name: String, model: String, f32: Bool = false, inferRequests: Int? = nil,
                                inputShapes: [String: [Int]] = [:], latencyWhenIdle: Bool = false,
                                batching: BatchingStateMachine<UInt64>.Policy = .init()) throws -> DeploymentConfig {
        let options = CompileOptions(hint: .throughput, precision: f32 ? .f32 : nil)
        return DeploymentConfig(name: name, batching: batching,
                                backend: .model(path: try modelPath(model), core: core, options: options, inputShapes: inputShapes,
                                                inferRequests: inferRequests, latencyWhenIdle: latencyWhenIdle))
    }

    /// A photograph decoded as float NCHW 0…1 at `side`×`side` (NudeNet's input scaling).
    static func nchw(_ path: String, side: Int) throws -> [Float] {
        let decoder = try VideoDecoder(path: path, format: FrameFormat(width: side, height: side, layout: .float32NCHW, filter: .bilinear))
        guard let frame = try decoder.nextFrame(), let floats = frame.pixels.floats else {
            throw PlayheadError(.corruptMedia, "\(path) has no picture")
        }
        return floats
    }

    /// A fixed pseudo-random picture in 0…1, different for every seed.
    static func pattern(count: Int, seed: Int) -> [Float] {
        (0..<count).map { index in Float(((index &+ seed &* 7_777) &* 7919) % 2001) / 2000 }
    }
}

/// An RGB24 picture travelling through deployments as a UINT8 [height, width, 3] tensor.
struct RGBImage: Sendable {
    var width: Int
    var height: Int
    var pixels: [UInt8]

    static let spec = TensorSpec(name: "image", datatype: .uint8, shape: [-1, -1, 3])

    /// Decodes a photograph, resized to `side`×`side` when given.
    static func load(_ path: String, side: Int? = nil) throws -> RGBImage {
        let decoder = try VideoDecoder(path: path, format: FrameFormat(width: side, height: side, filter: .area))
        guard let frame = try decoder.nextFrame(), let rgb = frame.pixels.rgb else {
            throw PlayheadError(.corruptMedia, "\(path) has no picture")
        }
        return RGBImage(width: frame.width, height: frame.height, pixels: rgb)
    }

    init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    init(tensor: TensorData?) throws(ServingError) {
        guard let tensor, tensor.datatype == .uint8, tensor.shape.count == 3, tensor.shape[2] == 3 else {
            throw ServingError(.invalidInput, "expected a UINT8 [height, width, 3] tensor named 'image'")
        }
        self.init(width: tensor.shape[1], height: tensor.shape[0], pixels: [UInt8](tensor.data))
    }

    func tensor(_ name: String = "image") -> TensorData {
        try! TensorData(name: name, datatype: .uint8, shape: [height, width, 3], data: Data(pixels))
    }

    /// `region` (image pixels; parts outside the image are black) averaged down or sampled up into a
    /// `size`×`size` interleaved RGB grid of 0…255 values.
    func sample(_ region: BoundingBox, size: Int) -> [Float] {
        var out = [Float](repeating: 0, count: size * size * 3)
        let stepX = region.width / Double(size), stepY = region.height / Double(size)
        pixels.withUnsafeBufferPointer { source in
            for oy in 0..<size {
                let y0 = region.y + Double(oy) * stepY
                let iy0 = Int((y0 + 1e-9).rounded(.down)), iy1 = max(iy0 + 1, Int((y0 + stepY - 1e-9).rounded(.up)))
                for ox in 0..<size {
                    let x0 = region.x + Double(ox) * stepX
                    let ix0 = Int((x0 + 1e-9).rounded(.down)), ix1 = max(ix0 + 1, Int((x0 + stepX - 1e-9).rounded(.up)))
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    for y in iy0..<iy1 where y >= 0 && y < height {
                        for x in ix0..<ix1 where x >= 0 && x < width {
                            let p = (y * width + x) * 3
                            r += Float(source[p])
                            g += Float(source[p + 1])
                            b += Float(source[p + 2])
                        }
                    }
                    let n = Float((iy1 - iy0) * (ix1 - ix0))
                    let o = (oy * size + ox) * 3
                    out[o] = r / n
                    out[o + 1] = g / n
                    out[o + 2] = b / n
                }
            }
        }
        return out
    }
}

/// A face found by a BlazeFace deployment, in image pixels.
struct FaceHit: Sendable {
    var box: BoundingBox
    var score: Float
}

/// Client-side BlazeFace over a deployment: the preprocessing `FaceDetector.frameFormat` describes
/// (letterboxed square, NHWC, −1…1) and the decoding of `Analyzers.BlazeFace`.
enum BlazeFaceClient {
    static func detect(_ image: RGBImage, variant: BlazeFace.Variant, with handle: DeploymentHandle,
                       minScore: Float = 0.5) async throws -> (faces: [FaceHit], response: InferenceResponse) {
        let side = variant.inputSize
        let longest = Double(max(image.width, image.height))
        let region = BoundingBox(x: -(longest - Double(image.width)) / 2, y: -(longest - Double(image.height)) / 2,
                                 width: longest, height: longest)
        let input = image.sample(region, size: side).map { $0 / 127.5 - 1 }
        // "input" is the tensor name both BlazeFace models have (models/blazeface-*/manifest.json).
        let response = try await handle.infer(InferenceRequest(inputs: [TensorData(name: "input", shape: [1, side, side, 3], floats: input)]))
        // The two outputs are told apart by shape, as FaceDetector does: [1, anchors, 16] and [1, anchors, 1].
        guard let regressors = response.outputs.first(where: { $0.shape.last == 16 })?.floats(),
              let scores = response.outputs.first(where: { $0.shape.last == 1 })?.floats() else {
            throw ServingError(.inferenceFailed, "\(response.modelName) answered \(response.outputs.map(\.shape)), not BlazeFace outputs")
        }
        let detections = BlazeFace.weightedNonMaxSuppression(
            BlazeFace.decode(regressors: regressors, scores: scores, anchors: BlazeFace.anchors(for: variant), inputSize: side, minScore: minScore))
        let faces = detections.map { detection in
            FaceHit(box: BoundingBox(x: region.x + detection.box.x * region.width, y: region.y + detection.box.y * region.height,
                                     width: detection.box.width * region.width, height: detection.box.height * region.height)
                        .clamped(width: Double(image.width), height: Double(image.height)),
                    score: detection.score)
        }
        return (faces, response)
    }

    /// Faces as an FP32 [faces, 5] tensor of x, y, width, height, score.
    static func tensor(_ faces: [FaceHit], name: String = "faces") -> TensorData {
        TensorData(name: name, shape: [faces.count, 5],
                   floats: faces.flatMap { [Float($0.box.x), Float($0.box.y), Float($0.box.width), Float($0.box.height), $0.score] })
    }

    static func faces(_ tensor: TensorData?) -> [FaceHit] {
        guard let tensor, let values = tensor.floats(), tensor.shape.count == 2, tensor.shape[1] == 5 else { return [] }
        return (0..<tensor.shape[0]).map { row in
            let v = values[(row * 5)..<(row * 5 + 5)].map(Double.init)
            return FaceHit(box: BoundingBox(x: v[0], y: v[1], width: v[2], height: v[3]), score: Float(v[4]))
        }
    }
}

/// NudeNet (YOLOv8, 18 classes) over a deployment.
enum NudeNetClient {
    static let classes = 18

    /// The best score of each class anywhere in a square crop around `box` (with a margin), resized to 320.
    static func classify(_ image: RGBImage, around box: BoundingBox, with handle: DeploymentHandle) async throws -> [Float] {
        let side = max(box.width, box.height) * 1.25
        let region = BoundingBox(x: box.x + box.width / 2 - side / 2, y: box.y + box.height / 2 - side / 2, width: side, height: side)
        let hwc = image.sample(region, size: 320)
        var chw = [Float](repeating: 0, count: hwc.count)
        let plane = 320 * 320
        for index in 0..<plane {
            for channel in 0..<3 { chw[channel * plane + index] = hwc[index * 3 + channel] / 255 }
        }
        let response = try await handle.infer(InferenceRequest(inputs: [TensorData(name: "images", shape: [1, 3, 320, 320], floats: chw)]))
        guard let output = response.output(named: "output0"), output.shape.count == 3, output.shape[1] == 4 + classes,
              let values = output.floats() else {
            throw ServingError(.inferenceFailed, "unexpected NudeNet output \(response.outputs.map(\.shape))")
        }
        let anchors = output.shape[2]
        return (0..<classes).map { c in values[((4 + c) * anchors)..<((5 + c) * anchors)].max() ?? 0 }
    }
}
