import ArgumentParser
import Foundation
import MediaIO
import PlayheadCore

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: "Show container and stream facts of a media file.")

    @Argument(help: "A video, audio or image file.") var file: String
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() async throws {
        try await reportingErrors {
            let info = try MediaProbe.probe(file)
            if json {
                FileHandle.standardOutput.write(try prettyJSON.encode(info) + Data("\n".utf8))
                return
            }
            print("\(info.path): \(info.container), \(info.duration.map { String(format: "%.3f s", $0) } ?? "unknown duration"), \(info.sizeBytes) bytes")
            if let v = info.video {
                let count = v.frameCountIsExact ? "\(v.frameCount) frames" : "~\(v.frameCount) frames (estimated)"
                print("  video #\(v.index): \(v.codec) \(v.width)x\(v.height) \(v.pixelFormat), \(v.frameRate) fps, \(count), rotation \(v.rotation)°")
            }
            if let a = info.audio {
                print("  audio #\(a.index): \(a.codec) \(a.sampleRate) Hz, \(a.channels) channel(s)")
            }
        }
    }
}
