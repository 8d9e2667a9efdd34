import Inference
import MediaIO
import PlayheadCore

/// A line of text read in one frame.
public struct TextLine: Sendable, Equatable, Codable {
    public var text: String
    /// Source pixels.
    public var box: BoundingBox
    /// Recognition confidence: the mean probability of the line's characters (0…1).
    public var score: Double

    public init(text: String, box: BoundingBox, score: Double) {
        self.text = text
        self.box = box
        self.score = score
    }
}

/// Reads on-screen text in frames with PP-OCRv4: DBNet detection on the whole frame, then CTC
/// recognition of each detected line (no angle classifier: upside-down text is not read).
///
/// Frames must be decoded in `frameFormat(sourceWidth:sourceHeight:)`; the recogniser samples its
/// line crops from the same pixels, so that size also bounds how small a glyph can still be read.
public final class TextReader: Sendable {
    /// Both models as one identifier, "ppocr-v4-det@1.4.4+ppocr-v4-rec@1.4.4": the report keeps one
    /// model string per feature, and the two always ship and change together (one RapidOCR release).
    public let modelID: String
    public let detection: TextDetection.Options
    /// Lines read with a lower confidence are dropped (RapidOCR's `text_score`).
    public let minScore: Float
    /// Shorter side of the frames the detector sees, in pixels. RapidOCR uses 736, which reads small
    /// text on busy backgrounds a little more often but costs twice the detector time; at 544, 720p
    /// frames shrink to 960x544 and glyphs of a 360p frame are enlarged 1.5x, enough for DBNet.
    public static let shortSide = 544
    /// Longer side of the frames the detector sees at most, in pixels (16:9 fits exactly at 960x544).
    public static let maxSide = 960
    /// Lines recognised in one inference; RapidOCR's `rec_batch_num`.
    static let recognitionBatch = 6

    private let detector: any ModelRunner
    private let recognizer: any ModelRunner
    private let labels: [String]

    /// Loads and compiles both models from the repository into pools of their own.
    public convenience init(repository: ModelRepository, core: InferenceCore, options: CompileOptions = CompileOptions(hint: .latency),
                            detection: TextDetection.Options = TextDetection.Options(), minScore: Float = 0.5, poolSize: Int? = nil) throws {
        let (det, rec) = try Self.manifests(repository)
        let detModel = try core.readModel(path: repository.modelPath(named: det.name))
        let recModel = try core.readModel(path: repository.modelPath(named: rec.name))
        try detModel.reshape(Self.detectorShape)
        try recModel.reshape(Self.recognizerShape)
        let detCompiled = try core.compile(model: detModel, options: options)
        let recCompiled = try core.compile(model: recModel, options: options)
        guard let classes = recCompiled.outputs.first?.shape.last, classes == rec.labels.count else {
            throw PlayheadError(.modelInvalid, "\(rec.name) has \(rec.labels.count) labels for outputs \(recCompiled.outputs); expected one per class")
        }
        try self.init(detector: try InferRequestPool(model: detCompiled, size: poolSize), recognizer: try InferRequestPool(model: recCompiled, size: poolSize),
                      labels: rec.labels, modelID: Self.modelID(det, rec), detection: detection, minScore: minScore)
    }

    /// Runs the two models through `detector` and `recognizer` (e.g. `DeploymentRunner`s of the serving
    /// engine, compiled with `detectorShape` and `recognizerShape`); `labels` are the recogniser's classes, blank first.
    public init(detector: any ModelRunner, recognizer: any ModelRunner, labels: [String], modelID: String,
                detection: TextDetection.Options = TextDetection.Options(), minScore: Float = 0.5) throws {
        guard labels.first == "blank" else {
            throw PlayheadError(.modelInvalid, "the text recogniser's labels must start with the CTC blank, got \(labels.prefix(3))")
        }
        self.detector = detector
        self.recognizer = recognizer
        self.labels = labels
        self.modelID = modelID
        self.detection = detection
        self.minScore = minScore
    }

    /// One frame at a time, any size: one detector serves every video size.
    public static let detectorShape = [1, 3, -1, -1]
    /// Batches of line crops, 48 pixels high, any width.
    public static let recognizerShape = [-1, 3, TextRecognition.inputHeight, -1]

    /// The detector's and recogniser's manifests (labels included) from the repository.
    public static func manifests(_ repository: ModelRepository) throws -> (detector: ModelManifest, recognizer: ModelManifest) {
        (try repository.manifest(named: "ppocr-v4-det"), try repository.manifest(named: "ppocr-v4-rec"))
    }

    /// "ppocr-v4-det@1.4.4+ppocr-v4-rec@1.4.4".
    public static func modelID(_ detector: ModelManifest, _ recognizer: ModelManifest) -> String {
        "\(detector.name)@\(detector.version)+\(recognizer.name)@\(recognizer.version)"
    }

    /// The one frame format text needs: RGB24 scaled so the shorter side is `shortSide` (enlarging at
    /// most 2x), the longer side at most `maxSide`, each side rounded to a multiple of 32 as DBNet requires (the
    /// slight stretch is undone by the frame mapping).
    public static func frameFormat(sourceWidth: Int, sourceHeight: Int) -> FrameFormat {
        let scale = min(2, Double(shortSide) / Double(max(1, min(sourceWidth, sourceHeight))),
                        Double(maxSide) / Double(max(1, sourceWidth, sourceHeight)))
        func side(_ length: Int) -> Int { max(32, Int((Double(length) * scale / 32).rounded()) * 32) }
        return FrameFormat(width: side(sourceWidth), height: side(sourceHeight), layout: .rgb24, resize: .stretch, filter: .bilinear)
    }

    /// Lines of text in one RGB24 frame whose sides are multiples of 32, in reading order, boxes in source pixels.
    public func read(_ frame: VideoFrame) async throws -> [TextLine] {
        let (width, height) = (frame.width, frame.height)
        guard frame.layout == .rgb24, let rgb = frame.pixels.rgb, width % 32 == 0, height % 32 == 0 else {
            throw PlayheadError(.invalidArgument, "text reading needs RGB24 frames with sides that are multiples of 32 (use TextReader.frameFormat)")
        }
        let map = try await detector.run([try Tensor(shape: [1, 3, height, width], floats: Self.detectorInput(rgb: rgb, width: width, height: height))])
        guard map[0].shape.suffix(2) == [height, width] else {
            throw PlayheadError(.modelInvalid, "text detector output \(map[0].shape) is not a \(height)x\(width) map")
        }
        let regions = try TextDetection.regions(probabilities: try map[0].floats(), width: width, height: height, options: detection)
        // Lines of similar aspect share a batch so little of each input is padding.
        let order = regions.indices.sorted { TextRecognition.scaledWidth(of: regions[$0].box) < TextRecognition.scaledWidth(of: regions[$1].box) }
        var reads = [(text: String, confidence: Float)](repeating: ("", 0), count: regions.count)
        for start in stride(from: 0, to: order.count, by: Self.recognitionBatch) {
            let batch = Array(order[start..<min(start + Self.recognitionBatch, order.count)])
            let inputWidth = max(TextRecognition.minInputWidth, batch.map { TextRecognition.scaledWidth(of: regions[$0].box) }.max() ?? 0)
            var input: [Float] = []
            input.reserveCapacity(batch.count * 3 * TextRecognition.inputHeight * inputWidth)
            for index in batch {
                input += TextRecognition.lineInput(rgb: rgb, width: width, height: height, box: regions[index].box, inputWidth: inputWidth)
            }
            let output = try await recognizer.run([try Tensor(shape: [batch.count, 3, TextRecognition.inputHeight, inputWidth], floats: input)])
            for (index, read) in zip(batch, try TextRecognition.decode(probabilities: try output[0].floats(), shape: output[0].shape, labels: labels)) {
                reads[index] = read
            }
        }
        return zip(regions, reads).compactMap { region, read in
            let text = read.text.split(separator: " ").joined(separator: " ")
            // Lines of symbols alone (★, ®, ·) are what shapes and logos in the picture read as.
            guard read.confidence >= minScore, text.contains(where: { $0.isLetter || $0.isNumber }) else { return nil }
            let box = frame.mapping.toSource(region.box).clamped(width: Double(frame.sourceWidth), height: Double(frame.sourceHeight))
            return TextLine(text: text, box: box, score: Double(read.confidence))
        }
    }

    /// `[1, 3, H, W]` floats, BGR (PaddleOCR models are trained on OpenCV's channel order), normalised to −1…1.
    static func detectorInput(rgb: [UInt8], width: Int, height: Int) -> [Float] {
        let plane = width * height
        var out = [Float](repeating: 0, count: 3 * plane)
        for index in 0..<plane {
            out[index] = Float(rgb[index * 3 + 2]) / 127.5 - 1
            out[plane + index] = Float(rgb[index * 3 + 1]) / 127.5 - 1
            out[2 * plane + index] = Float(rgb[index * 3]) / 127.5 - 1
        }
        return out
    }
}
