import Analyzers
import Foundation
import Inference
import MediaIO
import PlayheadCore
import TestSupport
import Testing

/// On-screen text: PP-OCRv4 over drawn words, and the DBNet, CTC and tracking steps on made-up inputs.
@Suite struct TextReadingTests {
    static let repository = ModelRepository(root: TestMedia.packageRoot.appendingPathComponent("models").path)
    static let font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    /// Two words on a colour gradient: HARBOR from 1 s to 3.5 s top left, "PLANET42" from 2.5 s to 4.6 s bottom right.
    /// (Single words: the recogniser often drops the space between Latin words, so "PLANET 42" may read "PLANET42".)
    static let words: [(text: String, x: Int, y: Int, size: Int, from: Double, to: Double)] = [
        ("HARBOR", 60, 60, 40, 1, 3.5),
        ("PLANET42", 300, 260, 32, 2.5, 4.6),
    ]

    static func drawtext(_ word: (text: String, x: Int, y: Int, size: Int, from: Double, to: Double), always: Bool) -> String {
        let enable = always ? "" : ":enable='between(t,\(word.from),\(word.to))'"
        return "drawtext=fontfile=\(font):text=\(word.text):x=\(word.x):y=\(word.y):fontsize=\(word.size):fontcolor=white:borderw=2:bordercolor=black\(enable)"
    }

    static func wordsVideo() throws -> String {
        try TestMedia.fixture("text_words.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "gradients=s=640x360:r=25:d=6:speed=0.01:seed=7",
            "-vf", (words.map { drawtext($0, always: false) } + ["format=yuv420p"]).joined(separator: ","),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
        ])
    }

    /// Where each word's pixels are: the same words drawn on black, measured.
    static func wordBoxes() async throws -> [BoundingBox] {
        let path = try TestMedia.fixture("text_words_mask.png", ffmpeg: [
            "-f", "lavfi", "-i", "color=c=black:s=640x360",
            "-vf", words.map { drawtext($0, always: true) }.joined(separator: ","), "-frames:v", "1",
        ])
        var frames = VideoFrames(path: path).makeAsyncIterator()
        let frame = try #require(try await frames.next())
        let rgb = try #require(frame.pixels.rgb)
        // The words lie in opposite quarters of the frame, so each half holds one word.
        return [0..<180, 180..<360].map { rows in
            var (minX, minY, maxX, maxY) = (Int.max, Int.max, -1, -1)
            for y in rows {
                for x in 0..<frame.width where rgb[(y * frame.width + x) * 3] > 40 {
                    (minX, minY, maxX, maxY) = (min(minX, x), min(minY, y), max(maxX, x), max(maxY, y))
                }
            }
            return BoundingBox(x: Double(minX), y: Double(minY), width: Double(maxX - minX + 1), height: Double(maxY - minY + 1))
        }
    }

    @Test func drawnWordsAreReadWithTheirTimesAndBoxes() async throws {
        let reader = try TextReader(repository: Self.repository, core: InferenceCore())
        #expect(reader.modelID == "ppocr-v4-det@1.4.4+ppocr-v4-rec@1.4.4")
        let items = try await TextAnalysis(reader: reader).run(path: try Self.wordsVideo())
        let boxes = try await Self.wordBoxes()
        #expect(items.count == 2, "\(items)")
        for (word, truth) in zip(Self.words, boxes) {
            let item = try #require(items.first { $0.text.uppercased() == word.text }, "\(word.text) not read: \(items)")
            // Samples fall on whole seconds; the first and last inside the word's span bound the item.
            #expect(item.start >= word.from - 0.1 && item.start <= word.from.rounded(.up) + 0.1, "\(item)")
            #expect(item.end >= word.to.rounded(.down) - 0.1 && item.end <= word.to + 0.1, "\(item)")
            // DBNet's boxes hold the glyphs with a margin of a fraction of the line height.
            let margin = truth.height / 2
            #expect(item.box.x <= truth.x + 2 && item.box.y <= truth.y + 2 && item.box.maxX >= truth.maxX - 2 && item.box.maxY >= truth.maxY - 2,
                    "\(item.box) vs \(truth)")
            #expect(item.box.x >= truth.x - margin && item.box.y >= truth.y - margin && item.box.maxX <= truth.maxX + margin
                    && item.box.maxY <= truth.maxY + margin, "\(item.box) vs \(truth)")
            #expect(item.score > 0.7, "\(item)")
        }
    }

    @Test func aClipWithoutTextHasNoText() async throws {
        // A fractal zoom: fine detail and edges, but no glyphs (testsrc2 would not do: it prints a timecode).
        let path = try TestMedia.fixture("mandelbrot_3s.mp4", ffmpeg: [
            "-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=25", "-t", "3", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        ])
        let items = try await TextAnalysis(reader: try TextReader(repository: Self.repository, core: InferenceCore())).run(path: path)
        #expect(items.isEmpty, "\(items)")
    }

    @Test func frameFormatFitsTheDetector() {
        func size(_ width: Int, _ height: Int) -> [Int?] {
            let format = TextReader.frameFormat(sourceWidth: width, sourceHeight: height)
            #expect(format.layout == .rgb24)
            return [format.width, format.height]
        }
        #expect(size(1280, 720) == [960, 544])
        #expect(size(1920, 1080) == [960, 544])
        #expect(size(640, 360) == [960, 544])
        #expect(size(320, 240) == [640, 480])
        #expect(size(720, 1280) == [544, 960])
        #expect(size(20, 10) == [32, 32])
    }

    @Test func dbPostProcessingFindsScoredUnclippedBoxes() throws {
        let (width, height) = (64, 40)
        var map = [Float](repeating: 0.01, count: width * height)
        func fill(_ xs: ClosedRange<Int>, _ ys: ClosedRange<Int>, _ value: Float) {
            for y in ys { for x in xs { map[y * width + x] = value } }
        }
        fill(5...24, 8...15, 0.9)   // a text kernel
        fill(40...59, 20...27, 0.8)  // another
        fill(30...31, 30...31, 0.95) // a speck: too small
        fill(5...24, 30...37, 0.35)  // above the pixel threshold, but its mean misses the box threshold
        let regions = try TextDetection.regions(probabilities: map, width: width, height: height)
        #expect(regions.count == 2, "\(regions)")
        guard regions.count == 2 else { return }
        // The 2x2 dilation grows each kernel one pixel right and down: 21x9 pixels, 20x8 between pixel centres.
        let distance = 20.0 * 8 * 1.6 / (2 * (20 + 8))
        let first = regions[0]
        #expect(abs(first.box.x - (5.5 - distance)) < 1e-9 && abs(first.box.y - (8.5 - distance)) < 1e-9, "\(first)")
        #expect(abs(first.box.width - (20 + 2 * distance)) < 1e-9 && abs(first.box.height - (8 + 2 * distance)) < 1e-9, "\(first)")
        #expect(first.score > 0.7 && first.score < 0.9)
        #expect(regions[1].box.x > 30 && regions[1].box.y > 10)
        // Clipped to the map.
        #expect(regions.allSatisfy { $0.box.x >= 0 && $0.box.y >= 0 && $0.box.maxX <= Double(width) && $0.box.maxY <= Double(height) })
        #expect(try TextDetection.regions(probabilities: [Float](repeating: 0, count: width * height), width: width, height: height).isEmpty)
        #expect(throws: PlayheadError.self) { try TextDetection.regions(probabilities: [0, 0], width: 3, height: 1) }
    }

    @Test func ctcGreedyDecodeMergesRepeatsAndDropsBlanks() throws {
        let labels = ["blank", "a", "b", "c", " "]
        // Steps: a a _ a b b _ ␠ c  →  "aab c"
        let path = [1, 1, 0, 1, 2, 2, 0, 4, 3]
        var probabilities: [Float] = []
        for (step, best) in path.enumerated() {
            var row = [Float](repeating: 0.05, count: labels.count)
            row[best] = step == 0 ? 0.6 : 0.8
            probabilities += row
        }
        probabilities += [Float](repeating: 0, count: path.count * labels.count).enumerated().map { $0.offset % labels.count == 0 ? 1 : 0 }
        let lines = try TextRecognition.decode(probabilities: probabilities, shape: [2, path.count, labels.count], labels: labels)
        #expect(lines.map(\.text) == ["aab c", ""])
        // Kept steps: 0 (0.6), 3, 4, 7, 8 (0.8 each).
        #expect(abs(lines[0].confidence - (0.6 + 4 * 0.8) / 5) < 1e-6)
        #expect(lines[1].confidence == 0)
        #expect(throws: PlayheadError.self) { try TextRecognition.decode(probabilities: probabilities, shape: [2, path.count, 4], labels: labels) }
    }

    @Test func lineInputIsBGRScaledToHeight48AndPadded() {
        // A 40x10 red image: the whole box scales to 192x48, the rest of the 320 columns is zero padding.
        let rgb = [UInt8]((0..<(40 * 10)).flatMap { _ in [255, 0, 0] as [UInt8] })
        let box = BoundingBox(x: 0, y: 0, width: 40, height: 10)
        #expect(TextRecognition.scaledWidth(of: box) == 192)
        let input = TextRecognition.lineInput(rgb: rgb, width: 40, height: 10, box: box, inputWidth: 320)
        let plane = 48 * 320
        #expect(input.count == 3 * plane)
        #expect(input[0] == -1 && input[2 * plane] == 1)                           // blue, red
        #expect(input[47 * 320 + 191] == -1 && input[2 * plane + 47 * 320 + 191] == 1)
        #expect(input[2 * plane + 192] == 0 && input[2 * plane + 47 * 320 + 319] == 0)
        // A tall box is read turned anticlockwise, so its width at height 48 comes from its height.
        #expect(TextRecognition.scaledWidth(of: BoundingBox(x: 0, y: 0, width: 10, height: 40)) == 192)
    }

    static func line(_ text: String, x: Double, score: Double = 0.9) -> TextLine {
        TextLine(text: text, box: BoundingBox(x: x, y: 20, width: 100, height: 30), score: score)
    }

    @Test func linesJoinAcrossSamplesAndOneMissedSample() {
        var tracker = TextTracker(samplesPerSecond: 1)
        tracker.update(time: 0, lines: [Self.line("HELLO", x: 10, score: 0.8)])
        tracker.update(time: 1, lines: [Self.line("Hel lo", x: 14, score: 0.9), Self.line("WORLD", x: 300)])
        tracker.update(time: 2, lines: [Self.line("WORLD", x: 302)])                  // HELLO missed once
        tracker.update(time: 3, lines: [Self.line("HELLO", x: 12, score: 1.0)])
        tracker.update(time: 4, lines: [Self.line("HELLO", x: 400)])                  // same text elsewhere: new item
        tracker.update(time: 7, lines: [Self.line("WORLD", x: 300)])                  // gone for 5 s: new item
        let items = tracker.items()
        #expect(items.map(\.text) == ["HELLO", "WORLD", "HELLO", "WORLD"], "\(items)")
        guard items.count == 4 else { return }
        #expect(items[0].start == 0 && items[0].end == 3)
        #expect(abs(items[0].score - 0.9) < 1e-9)
        #expect(items[0].box.x == 12)                                                 // the most confident read's box
        #expect(items[1].start == 1 && items[1].end == 2)
        #expect(items[2].start == 4 && items[2].end == 4)
        #expect(items[3].start == 7)
    }

    @Test func textItemJSONUsesShortBoxKeys() throws {
        let item = TextItem(text: "SALE", start: 1, end: 2.5, box: BoundingBox(x: 1, y: 2, width: 3, height: 4), score: 0.9)
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(item)) as? [String: Any]
        #expect(json.map { Set($0.keys) } == ["text", "start", "end", "box", "score"])
        #expect((json?["box"] as? [String: Double]) == ["x": 1, "y": 2, "w": 3, "h": 4])
        #expect(try JSONDecoder().decode(TextItem.self, from: try JSONEncoder().encode(item)) == item)
    }
}
