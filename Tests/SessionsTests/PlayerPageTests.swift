import Foundation
import Testing
import TestSupport

/// Headless Chromium driven over the DevTools protocol (the browser's socket, attached to the page).
private final class Browser: Sendable {
    let process: Process
    let profile: URL
    let devTools: SessionSocket
    private let nextID = Shared(0)
    /// The DevTools session attached to the page; commands without it go to the browser.
    let page = Shared<String?>(nil)

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") }

    /// Opens `url` in a fresh headless Chromium and connects to the page's DevTools socket.
    static func open(_ url: String) async throws -> Browser {
        let profile = try TestMedia.scratchDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required",
                             "--remote-allow-origins=*", "--user-data-dir=\(profile.path)", "--remote-debugging-port=0", url]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        do {
            return try await attach(process: process, profile: profile)
        } catch {
            process.terminate()
            throw error
        }
    }

    private static func attach(process: Process, profile: URL) async throws -> Browser {
        // Chromium writes the port it picked and the browser's DevTools path into the profile.
        let portFile = profile.appendingPathComponent("DevToolsActivePort")
        await eventually("Chromium's DevTools port") { (try? String(contentsOf: portFile, encoding: .utf8))?.split(separator: "\n").count == 2 }
        let lines = try String(contentsOf: portFile, encoding: .utf8).split(separator: "\n")
        let socket = try await SessionSocket.connect(url: "ws://127.0.0.1:\(lines[0])\(lines[1])")
        let browser = Browser(process: process, profile: profile, devTools: socket)
        var target: String?
        await eventually("the page target") {
            let targets = await browser.call("Target.getTargets")?["targetInfos"] as? [[String: Any]] ?? []
            target = targets.first { $0["type"] as? String == "page" && ($0["url"] as? String)?.contains("/player") == true }?["targetId"] as? String
            return target != nil
        }
        let attached = await browser.call("Target.attachToTarget", ["targetId": try #require(target), "flatten": true])
        browser.page.update { $0 = attached?["sessionId"] as? String }
        return browser
    }

    private init(process: Process, profile: URL, devTools: SessionSocket) {
        self.process = process
        self.profile = profile
        self.devTools = devTools
    }

    /// Sends a DevTools command (to the page once attached) and returns its result.
    func call(_ method: String, _ params: [String: Any] = [:]) async -> [String: Any]? {
        let id = nextID.update { id -> Int in
            id += 1
            return id
        }
        var request: [String: Any] = ["id": id, "method": method, "params": params]
        if let session = page.value { request["sessionId"] = session }
        guard let data = try? JSONSerialization.data(withJSONObject: request) else { return nil }
        devTools.send(String(decoding: data, as: UTF8.self))
        return await devTools.wait("the reply to \(method)") { ($0["id"] as? Int) == id }?["result"] as? [String: Any]
    }

    /// Evaluates a JavaScript expression in the page (awaiting a promise result) and returns its value.
    func evaluate(_ expression: String) async -> Any? {
        (await call("Runtime.evaluate", ["expression": expression, "awaitPromise": true])?["result"] as? [String: Any])?["value"]
    }

    func close() async {
        await devTools.close()
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
    }
}

@Suite(.serialized) struct PlayerPageTests {
    @Test(.enabled(if: Browser.isInstalled)) func thePagePlaysMediaAndShowsLiveResults() async throws {
        let server = try await SessionServer.start(features: [.faces, .safety])
        let browser: Browser
        do {
            browser = try await Browser.open("http://127.0.0.1:\(server.port)/player?media=\(server.media.id.hex)")
        } catch {
            await server.stop()
            throw error
        }
        let count = { @Sendable in Int(await browser.evaluate("document.getElementById('result-count').textContent") as? String ?? "") ?? 0 }

        // Paused at 0, the page opens a session and receives the first window: 10 fps, 3 s ahead, 2 features.
        await eventually("the first window on the page") { await count() >= 62 }
        #expect(await browser.evaluate("document.getElementById('message').textContent") as? String == "session s1 open")

        // Playing the <video> moves the session's window: more results arrive, counted as hits on time.
        #expect(await browser.evaluate("document.getElementById('video').play().then(() => 'playing', e => String(e))") as? String == "playing")
        await eventually("results past the first window") { await count() > 62 }
        await eventually("a hit ratio in the stats line") {
            let stats = await browser.evaluate("document.getElementById('stats').textContent") as? String ?? ""
            return stats.contains("hit ratio") && !stats.contains("hit ratio –")
        }
        // The face on the astronaut frames reached the page's result map the overlay draws from.
        #expect(await browser.evaluate("results.faces.get(0).detections.map(d => d.label).join()") as? String == "face")
        await browser.close()
        await server.stop()
    }
}
