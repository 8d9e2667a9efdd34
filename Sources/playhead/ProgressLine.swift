import Foundation
import Synchronization

/// A one-line progress bar on stderr with media seconds done, speed and ETA; silent when stderr is not a terminal.
final class ProgressLine: Sendable {
    private let label: String
    private let total: Double?
    private let enabled = isatty(STDERR_FILENO) == 1
    private let started = ContinuousClock.now
    private let state = Mutex<(done: Double, frames: Int, lastDraw: ContinuousClock.Instant?)>((0, 0, nil))

    init(label: String, total: Double?) {
        self.label = label
        self.total = total
    }

    /// Records one processed frame at `seconds` into the media.
    func update(_ seconds: Double) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            state.done = max(state.done, seconds)
            state.frames += 1
            let now = ContinuousClock.now
            if let last = state.lastDraw, now - last < .milliseconds(100) { return nil }
            state.lastDraw = now
            return render(done: state.done, frames: state.frames, now: now)
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    private func render(done: Double, frames: Int, now: ContinuousClock.Instant) -> String {
        let elapsed = max((now - started) / .seconds(1), 1e-3)
        let rate = Double(frames) / elapsed
        guard let total, total > 0 else { return String(format: "\r%@ %.1f s  %.1f frames/s", label, done, rate) }
        let fraction = min(done / total, 1)
        let width = 30
        let bar = String(repeating: "█", count: Int(fraction * Double(width))) + String(repeating: "·", count: width - Int(fraction * Double(width)))
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        return String(format: "\r%@ %@ %3.0f%%  %.1f frames/s  ETA %.0f s ", label, bar, fraction * 100, rate, eta)
    }
}
