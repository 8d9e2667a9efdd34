import Hummingbird

/// `GET /` and `GET /player`: a page that plays catalogued media with live analysis drawn over it.
///
/// The page plays `/v1/media/{id}/file` in a `<video>`, opens a session on `/v1/sessions`, turns the
/// video's play, pause, seek and rate events into session commands, draws face boxes and safety labels
/// on a canvas synced to `currentTime`, and shows a lane of upcoming frames that already have results.
/// `?media=ID` opens that media at once; `#result-count` holds the number of results received (tests read it).
enum PlayerPage {
    static func register(on router: Hummingbird.Router<PlayheadRequestContext>) {
        for path in ["/", "/player"] {
            router.get(RouterPath(stringLiteral: path)) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
            }
        }
    }

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>Playhead player</title>
    <style>
      body { font: 14px system-ui, sans-serif; margin: 16px; background: #111; color: #ddd; }
      #stage { position: relative; display: inline-block; background: #000; }
      video { display: block; width: 800px; max-width: 95vw; }
      #overlay { position: absolute; left: 0; top: 0; pointer-events: none; }
      #lane { display: block; margin-top: 6px; background: #222; }
      input, button { font: inherit; }
      #media { width: 36em; }
      .row { margin: 6px 0; }
      #safety { min-height: 1.4em; }
      .explicit { color: #ff5555; font-weight: bold; }
      #stats { color: #9a9; font-family: monospace; }
      #message { color: #fa6; }
    </style>
    </head>
    <body>
    <div class="row">
      <input id="media" placeholder="media id (64 hex digits)">
      <button id="open">Open</button>
      <label>or upload <input id="upload" type="file" accept="video/*"></label>
      fps <input id="fps" type="number" value="10" min="1" max="30" style="width:4em">
    </div>
    <div class="row" id="message"></div>
    <div id="stage"><video id="video" controls muted playsinline></video><canvas id="overlay"></canvas></div>
    <canvas id="lane" width="800" height="36"></canvas>
    <div class="row" id="safety"></div>
    <div class="row" id="stats">results: <span id="result-count">0</span></div>
    <script>
    "use strict";
    const video = document.getElementById("video"), overlay = document.getElementById("overlay"), lane = document.getElementById("lane");
    const say = text => { document.getElementById("message").textContent = text; };
    const lookahead = 3;
    let socket = null, session = null, fps = 10, features = ["faces", "safety"], count = 0;
    let results = { faces: new Map(), safety: new Map() }, memoized = { faces: new Set(), safety: new Set() };

    function send(message) { if (socket && socket.readyState === 1 && session) socket.send(JSON.stringify(message)); }

    function openMedia(id) {
      if (socket) socket.close();
      session = null; count = 0;
      results = { faces: new Map(), safety: new Map() }; memoized = { faces: new Set(), safety: new Set() };
      fps = Math.max(1, Math.min(30, Number(document.getElementById("fps").value) || 10));
      document.getElementById("media").value = id;
      video.src = "/v1/media/" + id + "/file";
      socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/sessions");
      socket.onopen = () => socket.send(JSON.stringify({ type: "open", media: id, features, fps, lookahead_s: lookahead }));
      socket.onclose = () => { if (session) say("session connection closed"); session = null; };
      socket.onmessage = event => {
        const message = JSON.parse(event.data);
        if (message.type === "opened") {
          session = message.session; say("session " + session + " open");
          if (!video.paused) send({ type: "play", position: video.currentTime, rate: video.playbackRate });
          else if (video.currentTime > 0) send({ type: "seek", position: video.currentTime });
        } else if (message.type === "result") {
          results[message.feature].set(message.frame, message.data);
          if (message.memoized) memoized[message.feature].add(message.frame);
          document.getElementById("result-count").textContent = String(++count);
        } else if (message.type === "stats") {
          const ratio = message.hit_ratio === null ? "–" : (100 * message.hit_ratio).toFixed(1) + "%";
          const lead = message.lead_s_p50 === null ? "–" : message.lead_s_p50.toFixed(2) + " s";
          document.getElementById("stats").innerHTML = "results: <span id=\"result-count\">" + count + "</span> · hit ratio " + ratio +
            " · lead p50 " + lead + " · dropped " + message.dropped + " · late " + message.late + " · in flight " + message.in_flight +
            " · memoized " + message.memoized_hits;
        } else if (message.type === "error") {
          say(message.code + ": " + message.message);
        }
      };
    }

    video.addEventListener("play", () => send({ type: "play", position: video.currentTime, rate: video.playbackRate }));
    video.addEventListener("pause", () => send({ type: "pause", position: video.currentTime }));
    video.addEventListener("seeked", () => send({ type: "seek", position: video.currentTime }));
    video.addEventListener("ratechange", () => { if (!video.paused) send({ type: "play", position: video.currentTime, rate: video.playbackRate }); });

    // The result of `feature` for the analysis frame on screen: the latest at or before it, within one frame.
    function current(feature) {
      const frame = Math.floor(video.currentTime * fps + 1e-6);
      return results[feature].get(frame) || results[feature].get(frame - 1) || null;
    }

    function draw() {
      const width = video.clientWidth, height = video.clientHeight;
      if (overlay.width !== width || overlay.height !== height) { overlay.width = width; overlay.height = height; }
      const g = overlay.getContext("2d");
      g.clearRect(0, 0, width, height);
      const faces = current("faces");
      if (faces && faces.width > 0) {
        // The picture is letterboxed inside the element; boxes are in source pixels.
        const scale = Math.min(width / faces.width, height / faces.height);
        const left = (width - faces.width * scale) / 2, top = (height - faces.height * scale) / 2;
        g.strokeStyle = "#3f3"; g.lineWidth = 2; g.font = "12px sans-serif"; g.fillStyle = "#3f3";
        for (const d of faces.detections) {
          g.strokeRect(left + d.box.x * scale, top + d.box.y * scale, d.box.width * scale, d.box.height * scale);
          g.fillText("face " + d.score.toFixed(2), left + d.box.x * scale, top + d.box.y * scale - 3);
        }
      }
      const safety = current("safety"), panel = document.getElementById("safety");
      if (safety) {
        panel.className = safety.explicit ? "row explicit" : "row";
        panel.textContent = safety.detections.length === 0 ? "safety: nothing detected"
          : "safety: " + safety.detections.map(d => d.label + " " + d.score.toFixed(2)).join(", ");
      }
      drawLane();
      requestAnimationFrame(draw);
    }

    // One cell per analysis frame from 1 s behind the playhead to the lookahead ahead; filled when its result is here.
    function drawLane() {
      const g = lane.getContext("2d"), span = lookahead + 1, first = Math.floor((video.currentTime - 1) * fps);
      const cells = Math.ceil(span * fps) + 1, cell = lane.width / cells;
      g.clearRect(0, 0, lane.width, lane.height);
      features.forEach((feature, row) => {
        for (let i = 0; i < cells; i++) {
          const frame = first + i;
          if (frame < 0 || !results[feature].has(frame)) continue;
          g.fillStyle = memoized[feature].has(frame) ? (row ? "#58f" : "#5d5") : (row ? "#36c" : "#2a2");
          g.fillRect(i * cell + 1, row * 18 + 2, Math.max(1, cell - 2), 14);
        }
      });
      const x = (video.currentTime * fps - first) * cell;
      g.fillStyle = "#fff"; g.fillRect(x, 0, 2, lane.height);
    }

    document.getElementById("open").onclick = () => openMedia(document.getElementById("media").value.trim().toLowerCase());
    document.getElementById("upload").onchange = async event => {
      const file = event.target.files[0];
      if (!file) return;
      say("uploading " + file.name + "…");
      const response = await fetch("/v1/media", { method: "POST", body: file });
      if (response.status === 404 || response.status === 405) { say("this server does not take uploads; enter the id of catalogued media"); return; }
      const body = await response.json().catch(() => ({}));
      if (!response.ok || !body.id) { say("upload failed: " + (body.error ? body.error.message : response.status)); return; }
      openMedia(body.id);
    };
    const requested = new URLSearchParams(location.search).get("media");
    if (requested) openMedia(requested);
    requestAnimationFrame(draw);
    </script>
    </body>
    </html>
    """#
}
