#!/usr/bin/env python3
"""Interactive sessions under load: N simulated players against `playhead serve`, once with the deadline
scheduler and once with the FIFO baseline (same engine, no deadlines, drops or seek cancellation), same
seeded script of plays and seeks for both.

Each player opens a session on the same media, plays at 1x from a random position and seeks to a random
position every few seconds. By default it buffers like a video element: at the start it pauses until it holds
--initial-buffer s of results (every feature of every frame), after each seek until every feature's first result at
the new position arrives (each wait at most --buffer-timeout s), then plays; `--no-buffer` plays on at once.
Measured on the client, against its own playhead, while playing (the buffering pauses are not counted):
  hit ratio       share of frame features displayed while playing whose result had arrived by then
  lead p50        how long before display a result arrived (results that made it)
  seek->first p95 from sending a seek (or the buffering pause) to the first result at or after the new position
  open->first p95 the same for each player's first position, where every session starts at once: not a seek
  stale           results for frames of a position the player had already left
  memoized        results served from the store (frames another player or an earlier visit had computed)

  python3 bench/sessions_bench.py [--players 4] [--seconds 20] [--seek-every 4] [--fps 10] [--lookahead 3]
                                  [--features faces,safety] [--media FILE] [--binary .build/debug/playhead]
                                  [--policies deadline,fifo] [--accept-offer] [--initial-buffer 1] [--misses]
"""

import argparse
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import WebSocket  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def default_media(seconds):
    """The test fixture (astronaut photograph, then synthetic patterns) looped to `seconds`, 640x360. Long by
    default so that the players rarely land on frames another player already had computed (served from the store)."""
    path = os.path.join(ROOT, ".cache", "bench", f"sessions_{seconds}s.mp4")
    source = os.path.join(ROOT, ".cache", "test-media", "astronaut_then_patterns.mp4")
    if not os.path.exists(path):
        if not os.path.exists(source):
            sys.exit(f"{source} is missing: run the session tests once (swift test --filter SessionsTests) or pass --media")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(math.ceil(seconds / 8) - 1), "-i", source, "-t", str(seconds),
                        "-c:v", "libx264", "-preset", "veryfast", "-g", "25", path + ".tmp.mp4"], check=True)
        os.rename(path + ".tmp.mp4", path)
    return path


class Server:
    def __init__(self, binary, media, policy, port):
        self.directory = tempfile.mkdtemp(prefix="playhead-sessions-bench-")
        self.log = open(os.path.join(self.directory, "serve.log"), "w+")
        self.process = subprocess.Popen(
            [binary, "serve", "--port", str(port), "--store", os.path.join(self.directory, "store.db"), "--media", media,
             "--session-policy", policy, "--log-level", "notice"], stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.port = port
        self.media_id = None
        deadline = time.time() + 120
        while time.time() < deadline:
            self.log.seek(0)
            text = self.log.read()
            found = re.search(r"id=([0-9a-f]{64})", text)
            if found and "serving" in text:
                self.media_id = found.group(1)
                break
            if self.process.poll() is not None:
                sys.exit(f"playhead serve exited:\n{text}")
            time.sleep(0.2)
        if not self.media_id:
            self.stop()
            sys.exit("playhead serve did not start within 120 s")
        time.sleep(2)  # replicas warm up after the listener starts

    def cpu_seconds(self):
        """CPU time the server has used so far (user + system), from /proc."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Player(threading.Thread):
    def __init__(self, url, media_id, args, seed, duration):
        super().__init__(daemon=True)
        self.url, self.media_id, self.args = url, media_id, args
        self.random = random.Random(seed)
        self.duration = duration
        self.arrivals = {}          # (segment, frame, feature) -> wall time of arrival
        self.segments = []          # (position, wall start, wall end)
        self.seek_latencies = []
        self.start_latency = None   # open's first position: not a seek, reported on its own
        self.stale = 0
        self.results = 0
        self.memoized = 0
        self.buffer_timeouts = 0
        self.error = None
        self.fps = args.fps
        self.features = args.features.split(",")

    def run(self):
        try:
            self.play()
        except Exception as error:  # reported with the results, so one broken player does not hide the rest
            self.error = error

    def play(self):
        args = self.args
        ws = WebSocket(self.url)
        features = self.features
        ws.send({"type": "open", "media": self.media_id, "features": features, "fps": self.fps, "lookahead_s": args.lookahead})
        while True:
            message = ws.receive(60)
            offered = message and message["type"] == "error" and message.get("offered_fps")
            if offered and args.accept_offer and offered < self.fps:
                # As a client should: take the lower rate the server can hold.
                self.fps = offered
                ws.send({"type": "open", "media": self.media_id, "features": features, "fps": self.fps, "lookahead_s": args.lookahead})
                continue
            if message is None or message["type"] == "error":
                raise RuntimeError(f"open failed: {message}")
            if message["type"] == "opened":
                break
        end = time.monotonic() + args.seconds
        position = self.random.uniform(0, self.duration - args.seek_every - args.lookahead)
        first_pending = self.start_at(ws, position, first=True)
        next_seek = time.monotonic() + self.random.uniform(0.5, 1.5) * args.seek_every
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if now >= next_seek:
                self.segments[-1][2] = now
                position = self.random.uniform(0, self.duration - args.seek_every - args.lookahead)
                first_pending = self.start_at(ws, position)
                next_seek = time.monotonic() + self.random.uniform(0.5, 1.5) * args.seek_every
            message = ws.receive(max(0.001, min(next_seek, end) - time.monotonic()))
            if message is None or message["type"] != "result":
                continue
            arrived = time.monotonic()
            self.results += 1
            self.memoized += bool(message.get("memoized"))
            segment = len(self.segments) - 1
            start_position, start_wall, _ = self.segments[segment]
            if message["t"] < start_position - 1e-6:
                self.stale += 1
                continue
            if first_pending is not None:
                self.note_first_result(arrived - first_pending)
                first_pending = None
            self.arrivals.setdefault((segment, message["frame"], message["feature"]), arrived)
        self.segments[-1][2] = time.monotonic()
        ws.send({"type": "close"})
        ws.close()

    def start_at(self, ws, position, first=False):
        """Moves the playhead to `position` and plays from there; returns when the seek's first result is
        still awaited (its send time), or None when buffering already received it."""
        sent = time.monotonic()
        if not self.args.buffer:
            ws.send({"type": "play", "position": position, "rate": 1} if first else {"type": "seek", "position": position})
            self.segments.append([position, sent, None])
            return sent
        ws.send({"type": "pause", "position": position})
        features = self.features
        first_frame = math.ceil(position * self.fps - 1e-9)
        # Buffered enough: at the start, every feature of the frames in the initial buffer; after a seek, a first
        # result of every feature.
        wanted = {(frame, feature) for frame in range(first_frame, first_frame + max(1, round(self.args.initial_buffer * self.fps)))
                  for feature in features} if first and self.args.initial_buffer > 0 else None
        early = []
        deadline = sent + self.args.buffer_timeout

        def buffered():
            if wanted is not None:
                return wanted <= {(frame, feature) for frame, feature, _ in early}
            return {feature for _, feature, _ in early} >= set(features)

        while time.monotonic() < deadline:
            message = ws.receive(max(0.001, deadline - time.monotonic()))
            if message is None or message["type"] != "result":
                continue
            self.results += 1
            self.memoized += bool(message.get("memoized"))
            if message["t"] < position - 1e-6:
                self.stale += 1
                continue
            early.append((message["frame"], message["feature"], time.monotonic()))
            if len(early) == 1:
                self.note_first_result(early[0][2] - sent)
            if buffered():
                break
        if not buffered():
            self.buffer_timeouts += 1
        ws.send({"type": "play", "position": position, "rate": 1})
        self.segments.append([position, time.monotonic(), None])
        for frame, feature, arrived in early:
            self.arrivals.setdefault((len(self.segments) - 1, frame, feature), arrived)
        return None if early else sent

    def note_first_result(self, latency):
        if self.start_latency is None:
            self.start_latency = latency
        else:
            self.seek_latencies.append(latency)

    def deadline_figures(self):
        """Frame features displayed while playing, those whose result had arrived by display, and leads."""
        features = self.features
        shown, hits, leads = 0, 0, []
        self.misses = []            # (segment, seconds into it, feature, lateness in s or None when it never came)
        for segment, (position, start, stop) in enumerate(self.segments):
            first = math.ceil(position * self.fps - 1e-9)
            last = int((position + (stop - start)) * self.fps)
            for frame in range(first, last + 1):
                display = start + frame / self.fps - position
                if display > stop:
                    break
                for feature in features:
                    shown += 1
                    arrived = self.arrivals.get((segment, frame, feature))
                    if arrived is not None and arrived <= display:
                        hits += 1
                        leads.append(display - arrived)
                    else:
                        self.misses.append((segment, display - start, feature, None if arrived is None else arrived - display))
        return shown, hits, leads


def run_policy(policy, args, media, port, duration):
    server = Server(args.binary, media, policy, port)
    try:
        players = [Player(f"ws://127.0.0.1:{port}/v1/sessions", server.media_id, args, seed=1000 + index, duration=duration)
                   for index in range(args.players)]
        cpu_before = server.cpu_seconds()
        for player in players:
            player.start()
        for player in players:
            player.join(args.seconds + 120)
        cpu = server.cpu_seconds() - cpu_before
    finally:
        server.stop()
    errors = [str(player.error) for player in players if player.error]
    shown = hits = stale = results = memoized = 0
    leads, seeks, starts = [], [], []
    for player in players:
        player_shown, player_hits, player_leads = player.deadline_figures()
        shown, hits, leads = shown + player_shown, hits + player_hits, leads + player_leads
        seeks += player.seek_latencies
        starts += [player.start_latency] if player.start_latency is not None else []
        stale += player.stale
        results += player.results
        memoized += player.memoized
    return {
        "policy": policy, "hit_ratio": hits / shown if shown else None, "lead_p50": percentile(leads, 0.5),
        "seek_p95": percentile(seeks, 0.95), "seeks": len(seeks), "start_p95": percentile(starts, 0.95), "stale": stale, "results": results,
        "memoized": memoized, "errors": errors,
        "buffer_timeouts": sum(player.buffer_timeouts for player in players), "cpu": cpu,
        "rates": sorted((player.fps for player in players if not player.error), reverse=True),
        "misses": [miss for player in players for miss in player.misses],
    }


def print_misses(misses):
    """Where the missed frame features were: how far into a segment (from a seek or the start), which feature,
    and whether their result came late or never."""
    bands = [(0, 0.5), (0.5, 1), (1, 2), (2, 4), (4, math.inf)]
    first = sum(1 for segment, _, _, _ in misses if segment == 0)
    print(f"  misses: {first} while the sessions started, {len(misses) - first} after seeks; by time into the segment: " + ", ".join(
        f"{low:g}-{high:g} s: {sum(1 for _, into, _, _ in misses if low <= into < high)}" for low, high in bands))
    for feature in sorted({feature for _, _, feature, _ in misses}):
        late = sorted(lateness for _, _, name, lateness in misses if name == feature and lateness is not None)
        never = sum(1 for _, _, name, lateness in misses if name == feature and lateness is None)
        median = f", late by p50 {1000 * late[len(late) // 2]:.0f} ms" if late else ""
        print(f"  {feature}: {len(late)} late{median}, {never} never arrived")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seek-every", type=float, default=4)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--lookahead", type=float, default=3)
    parser.add_argument("--features", default="faces,safety")
    parser.add_argument("--media")
    parser.add_argument("--media-seconds", type=int, default=600, help="length of the generated media when --media is not given")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "playhead"))
    parser.add_argument("--port", type=int, default=18471)
    parser.add_argument("--buffer", action=argparse.BooleanOptionalAction, default=True,
                        help="pause at each new position until each feature's first result arrives, as a video element buffers")
    parser.add_argument("--initial-buffer", type=float, default=1,
                        help="seconds of results a player holds before it first plays (0: a first result of each feature, as after a seek)")
    parser.add_argument("--buffer-timeout", type=float, default=3)
    parser.add_argument("--accept-offer", action=argparse.BooleanOptionalAction, default=False,
                        help="when open is refused with a lower fps offered, open at that fps instead of giving up")
    parser.add_argument("--misses", action="store_true", help="break the missed frame features down by segment time, feature and lateness")
    parser.add_argument("--policies", default="deadline,fifo", help="which servers to run, in order: deadline, fifo or both")
    args = parser.parse_args()
    media = os.path.abspath(args.media) if args.media else default_media(args.media_seconds)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", media],
                           capture_output=True, text=True, check=True)
    duration = float(probe.stdout.strip())
    print(f"{args.players} players x {args.seconds:g} s, seek every ~{args.seek_every:g} s ({f'buffering, {args.initial_buffer:g} s at the start' if args.buffer else 'no buffering'}), {args.fps} fps, "
          f"lookahead {args.lookahead:g} s, features {args.features}, media {os.path.basename(media)} ({duration:.0f} s)")
    policies = args.policies.split(",")
    if not policies or any(policy not in ("deadline", "fifo") for policy in policies):
        sys.exit("--policies takes deadline, fifo or both")
    rows = [run_policy(policy, args, media, args.port + index, duration) for index, policy in enumerate(policies)]
    print(f"{'policy':<10}{'hit ratio':>11}{'lead p50':>11}{'seek->first p95':>17}{'seeks':>7}{'open->first p95':>17}{'stale':>8}"
          f"{'results':>9}{'memoized':>10}{'buffer timeouts':>17}{'server CPU-s':>14}")
    for row in rows:
        ratio = "-" if row["hit_ratio"] is None else f"{100 * row['hit_ratio']:.1f}%"
        lead = "-" if row["lead_p50"] is None else f"{row['lead_p50']:.2f} s"
        seek = "-" if row["seek_p95"] is None else f"{1000 * row['seek_p95']:.0f} ms"
        start = "-" if row["start_p95"] is None else f"{1000 * row['start_p95']:.0f} ms"
        print(f"{row['policy']:<10}{ratio:>11}{lead:>11}{seek:>17}{row['seeks']:>7}{start:>17}{row['stale']:>8}{row['results']:>9}{row['memoized']:>10}"
              f"{row['buffer_timeouts']:>17}{row['cpu']:>14.1f}")
        if any(rate != args.fps for rate in row["rates"]):
            print(f"  sessions at {', '.join(f'{rate:g}' for rate in row['rates'])} fps (the server offered the lower rates)")
        for error in row["errors"]:
            print(f"  player error: {error}")
        if args.misses and row["misses"]:
            print_misses(row["misses"])
    by_policy = {row["policy"]: row for row in rows}
    if len(by_policy) < 2:
        return
    deadline, fifo = by_policy["deadline"], by_policy["fifo"]
    if deadline["hit_ratio"] and fifo["hit_ratio"]:
        print(f"hit ratio deadline/fifo: {deadline['hit_ratio'] / fifo['hit_ratio']:.2f}x")
    if deadline["seek_p95"] and fifo["seek_p95"]:
        print(f"seek->first p95 fifo/deadline: {fifo['seek_p95'] / deadline['seek_p95']:.2f}x")


if __name__ == "__main__":
    main()
