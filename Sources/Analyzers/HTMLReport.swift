import Foundation

/// A self-contained HTML page for an `AnalysisReport`: a strip of shot thumbnails, a timeline with a
/// lane per feature, the shot-change score over time with the detected transitions marked, and tables.
///
/// Everything is inline (SVG, CSS, JPEG thumbnails as data URLs), so the file can be mailed or archived.
public struct HTMLReport: Sendable {
    /// A still for the strip: its time and JPEG bytes.
    public struct Thumbnail: Sendable {
        public var time: Double
        public var jpeg: Data

        public init(time: Double, jpeg: Data) {
            self.time = time
            self.jpeg = jpeg
        }
    }

    public var report: AnalysisReport
    public var thumbnails: [Thumbnail]
    /// The shot detector's change score, one per frame, with the threshold it cut at.
    public var shotScores: [Float]
    public var shotThreshold: Float?

    public init(report: AnalysisReport, thumbnails: [Thumbnail] = [], shotScores: [Float] = [], shotThreshold: Float? = nil) {
        self.report = report
        self.thumbnails = thumbnails
        self.shotScores = shotScores
        self.shotThreshold = shotThreshold
    }

    /// Width of the timeline and plot drawing area, in CSS pixels.
    static let plotWidth = 1000.0

    public func render() -> String {
        let media = report.media
        let title = "Playhead · " + ((media.path as NSString).lastPathComponent)
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>\(Self.style)</style></head><body>
            <h1>\(escape(title))</h1>
            <p class="facts">\(escape(facts))</p>

            """
        if !thumbnails.isEmpty { html += section("Shots", thumbnailStrip) }
        html += section("Timeline", timeline)
        if !shotScores.isEmpty { html += section("Shot-change score", scorePlot) }
        html += tables
        html += "</body></html>\n"
        return html
    }

    // MARK: - Pieces

    private var duration: Double { max(report.media.duration ?? 0, 0.001) }

    private var facts: String {
        let media = report.media
        var parts: [String] = []
        if let duration = media.duration { parts.append(String(format: "%.2f s", duration)) }
        if let width = media.width, let height = media.height { parts.append("\(width)×\(height)") }
        if let fps = media.fps { parts.append(String(format: "%.3g fps", fps)) }
        if let frames = media.frameCount { parts.append("\(frames) frames") }
        parts.append("id \(media.id.prefix(12))")
        let models = report.models.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        return (parts + models).joined(separator: " · ")
    }

    private var thumbnailStrip: String {
        var html = "<div class=\"strip\">"
        for thumbnail in thumbnails {
            html += "<figure><img alt=\"frame at \(seconds(thumbnail.time))\" src=\"data:image/jpeg;base64,\(thumbnail.jpeg.base64EncodedString())\">"
            html += "<figcaption>\(seconds(thumbnail.time))</figcaption></figure>"
        }
        return html + "</div>"
    }

    /// One lane per feature present in the report, bars placed by time.
    private var timeline: String {
        var lanes: [(name: String, bars: [(start: Double, end: Double, label: String, css: String)])] = []
        if let shots = report.shots {
            lanes.append(("shots", shots.map { (start: $0.start, end: $0.end, label: "shot \($0.index)", css: $0.index % 2 == 0 ? "shotA" : "shotB") }))
        }
        if let faces = report.faces {
            lanes.append(("faces", faces.map { (start: $0.start, end: $0.end, label: "face track \($0.track)", css: "face") }))
        }
        if let text = report.text {
            lanes.append(("text", text.map { (start: $0.start, end: $0.end, label: $0.text, css: "text") }))
        }
        if let safety = report.safety {
            lanes.append(("safety", safety.segments.map {
                (start: $0.start, end: $0.end, label: "\($0.label) \(String(format: "%.2f", $0.maxScore))",
                 css: NudeNet.explicitLabels.contains($0.label) ? "unsafe" : "safety")
            }))
        }
        if let speech = report.speech {
            lanes.append(("speech", speech.map { (start: $0.start, end: $0.end, label: "speech", css: "speech") }))
        }
        let laneHeight = 22.0, labelWidth = 70.0, axis = 18.0
        let height = Double(lanes.count) * laneHeight + axis
        var svg = "<svg class=\"timeline\" viewBox=\"0 0 \(number(labelWidth + Self.plotWidth)) \(number(height))\" role=\"img\" aria-label=\"timeline\">"
        for (row, lane) in lanes.enumerated() {
            let y = Double(row) * laneHeight
            svg += "<text x=\"0\" y=\"\(number(y + 15))\" class=\"lane\">\(lane.name)</text>"
            svg += "<rect x=\"\(number(labelWidth))\" y=\"\(number(y + 2))\" width=\"\(number(Self.plotWidth))\" height=\"\(number(laneHeight - 4))\" class=\"track\"/>"
            for bar in lane.bars {
                let left = labelWidth + x(bar.start)
                // Point events (one sample) still get a visible sliver.
                let width = max(x(bar.end) - x(bar.start), 2)
                svg += "<rect x=\"\(number(left))\" y=\"\(number(y + 3))\" width=\"\(number(width))\" height=\"\(number(laneHeight - 6))\" class=\"\(bar.css)\">"
                svg += "<title>\(escape(bar.label)) · \(seconds(bar.start))–\(seconds(bar.end))</title></rect>"
            }
        }
        svg += axisTicks(y: Double(lanes.count) * laneHeight, offset: labelWidth)
        return svg + "</svg>"
    }

    /// The per-frame change score as a line (bucketed to the plot's pixel width, keeping each bucket's
    /// maximum so no spike disappears), transitions as red markers, the threshold dashed.
    private var scorePlot: String {
        let height = 140.0, labelWidth = 70.0, axis = 18.0
        let peak = max(shotScores.max() ?? 1, shotThreshold ?? 0, 1e-6)
        let buckets = min(shotScores.count, Int(Self.plotWidth))
        var points: [String] = []
        for bucket in 0..<buckets {
            let from = bucket * shotScores.count / buckets, to = max(from + 1, (bucket + 1) * shotScores.count / buckets)
            let value = shotScores[from..<to].max() ?? 0
            let x = labelWidth + Double(bucket) / Double(max(buckets - 1, 1)) * Self.plotWidth
            points.append("\(number(x)),\(number(height - Double(value / peak) * (height - 4)))")
        }
        var svg = "<svg class=\"plot\" viewBox=\"0 0 \(number(labelWidth + Self.plotWidth)) \(number(height + axis))\" role=\"img\" aria-label=\"shot-change score\">"
        svg += "<text x=\"0\" y=\"14\" class=\"lane\">score</text>"
        let fps = report.media.fps ?? 25
        for transition in report.transitions ?? [] {
            let at = labelWidth + x(Double(transition.startFrame + transition.endFrame) / 2 / fps)
            svg += "<line x1=\"\(number(at))\" y1=\"0\" x2=\"\(number(at))\" y2=\"\(number(height))\" class=\"cut \(transition.type.rawValue)\">"
            svg += "<title>\(transition.type.rawValue) frames \(transition.startFrame)–\(transition.endFrame)</title></line>"
        }
        if let threshold = shotThreshold {
            let y = height - Double(threshold / peak) * (height - 4)
            svg += "<line x1=\"\(number(labelWidth))\" y1=\"\(number(y))\" x2=\"\(number(labelWidth + Self.plotWidth))\" y2=\"\(number(y))\" class=\"threshold\"/>"
        }
        svg += "<polyline class=\"score\" points=\"\(points.joined(separator: " "))\"/>"
        svg += axisTicks(y: height, offset: labelWidth)
        return svg + "</svg>"
    }

    private var tables: String {
        var html = ""
        if let transitions = report.transitions, !transitions.isEmpty {
            html += section("Transitions", table(["type", "frames", "time"], transitions.map { transition in
                let fps = report.media.fps ?? 25
                return [transition.type.rawValue, "\(transition.startFrame)–\(transition.endFrame)",
                        seconds(Double(transition.startFrame) / fps) + "–" + seconds(Double(transition.endFrame) / fps)]
            }))
        }
        if let text = report.text {
            html += section("On-screen text", table(["text", "start", "end", "box (x, y, w, h)", "score"], text.map {
                [$0.text, seconds($0.start), seconds($0.end), "\(Int($0.box.x)), \(Int($0.box.y)), \(Int($0.box.width)), \(Int($0.box.height))",
                 String(format: "%.2f", $0.score)]
            }))
        }
        if let safety = report.safety {
            html += section("Brand safety: \(safety.rating.rawValue)", table(["label", "start", "end", "max score"], safety.segments.map {
                [$0.label, seconds($0.start), seconds($0.end), String(format: "%.2f", $0.maxScore)]
            }))
        }
        if let faces = report.faces {
            html += section("Face tracks", table(["track", "start", "end", "samples", "best score"], faces.map { track in
                ["\(track.track)", seconds(track.start), seconds(track.end), "\(track.boxes.count)",
                 String(format: "%.2f", track.boxes.map(\.score).max() ?? 0)]
            }))
        }
        if let speech = report.speech {
            html += section("Speech", table(["start", "end", "length"], speech.map {
                [seconds($0.start), seconds($0.end), seconds($0.end - $0.start)]
            }))
        }
        if let notes = report.notes {
            html += section("Notes", "<ul>" + notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
        }
        return html
    }

    // MARK: - Helpers

    private func x(_ time: Double) -> Double { min(max(time / duration, 0), 1) * Self.plotWidth }

    private func axisTicks(y: Double, offset: Double) -> String {
        let step = [1.0, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].first { duration / $0 <= 12 } ?? 7200
        var svg = ""
        var time = 0.0
        while time <= duration {
            let at = offset + x(time)
            svg += "<line x1=\"\(number(at))\" y1=\"\(number(y))\" x2=\"\(number(at))\" y2=\"\(number(y + 4))\" class=\"tick\"/>"
            svg += "<text x=\"\(number(at))\" y=\"\(number(y + 15))\" class=\"tick\">\(clock(time))</text>"
            time += step
        }
        return svg
    }

    private func section(_ title: String, _ body: String) -> String {
        "<section><h2>\(escape(title))</h2>\(body)</section>\n"
    }

    private func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">none</p>" }
        var html = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }
        return html + "</tbody></table>"
    }

    private func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }

    private func clock(_ value: Double) -> String {
        let total = Int(value.rounded())
        return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60) : String(format: "%d:%02d", total / 60, total % 60)
    }

    private func number(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d1d1f;background:#fafafa}
        h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
        .facts{color:#555;margin:0}
        .strip{display:flex;gap:6px;overflow-x:auto;padding-bottom:6px}
        .strip figure{margin:0;flex:none}.strip img{height:72px;display:block;border-radius:3px}
        .strip figcaption{font-size:11px;color:#666;text-align:center}
        svg{width:100%;max-width:1070px;display:block;background:#fff;border:1px solid #ddd;border-radius:4px}
        text.lane{font-size:12px;fill:#333}text.tick{font-size:10px;fill:#666;text-anchor:middle}
        line.tick{stroke:#999}rect.track{fill:#f0f0f0}
        .shotA{fill:#8ab4f8}.shotB{fill:#4a7fd4}.face{fill:#f6b26b}.text{fill:#93c47d}
        .safety{fill:#c9a0dc}.unsafe{fill:#e06666}.speech{fill:#76a5af}
        polyline.score{fill:none;stroke:#333;stroke-width:1}
        line.cut{stroke:#e06666;stroke-width:1.5}line.cut.dissolve{stroke:#e69138}line.cut.fade{stroke:#674ea7}
        line.threshold{stroke:#999;stroke-dasharray:4 3}
        table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
        th{background:#f0f0f0}.empty{color:#777}
        """
}
