import Analyzers
import Foundation
import MediaIO
import PlayheadCore
import TestSupport
import Testing

/// The HTML report of a real analysis: every piece present, self-contained, and text escaped.
@Suite struct HTMLReportTests {
    @Test func reportShowsStillsTimelineScoresAndTables() async throws {
        let path = try ShotDetectionTests.cuts()
        let info = try MediaProbe.probe(path)
        let result = try await VideoAnalysis(shots: ShotDetector(frameRate: 25)).run(path: path)
        let shots = try #require(result.shots)
        let report = AnalysisReport(mediaID: try MediaID(contentsOf: path), info: info, models: [:], faceTracks: [],
                                    speech: [SpeechSegment(start: 0.5, end: 1.5)],
                                    safety: ([SafetySegment(label: "FACE_<b>", start: 1, end: 2, maxScore: 0.5)], .safe),
                                    shots: shots, notes: ["a <script>alert(1)</script> note"])
        let thumbnails = try await Thumbnails.make(path: path, times: report.shots?.map { ($0.start + $0.end) / 2 } ?? [])
        #expect(thumbnails.count == shots.shots.count && shots.shots.count == 3)
        let html = HTMLReport(report: report, thumbnails: thumbnails, shotScores: shots.scores).render()

        #expect(html.hasPrefix("<!doctype html>") && html.hasSuffix("</html>\n"))
        #expect(html.components(separatedBy: "data:image/jpeg;base64,").count - 1 == 3, "one still per shot")
        #expect(html.contains("<svg class=\"timeline\"") && html.contains("<svg class=\"plot\""))
        #expect(html.components(separatedBy: "class=\"cut cut\"").count - 1 == 2, "a marker per transition")
        for lane in ["shots", "faces", "safety", "speech"] { #expect(html.contains(">\(lane)</text>"), "lane \(lane)") }
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;") && html.contains("FACE_&lt;b&gt;"))
        #expect(!html.contains("http://") && !html.contains("https://"), "self-contained: nothing fetched")
        #expect(html.components(separatedBy: "<section>").count == html.components(separatedBy: "</section>").count)
        // Stills decode back to pictures of the right height.
        let still = try #require(thumbnails.first)
        let file = try TestMedia.scratchDirectory().appendingPathComponent("still.jpg")
        try still.jpeg.write(to: file)
        #expect(try MediaProbe.probe(file.path).video?.height == 90)
    }
}
