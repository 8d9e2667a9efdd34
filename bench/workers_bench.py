#!/usr/bin/env python3
"""Jobs benchmark: 1 vs 2 `playhead worker` processes on one job, and memoized vs cold `playhead analyze`.

Workers: a 2-minute 720p video (made once with ffmpeg into .cache/bench/) is added to a fresh SQLite store
with a pipeline, which queues one job of 10 s chunks; then N workers with `--threads 1` (one core each) are
started and timed until the job is done. The same job is also run by one worker using every core, for
reference. Memoization: `playhead analyze` on the same video twice with the same store; the second run
reads every feature back (it prints "from the store") instead of computing it.

Usage: python3 bench/workers_bench.py [--features shots,faces,safety] [--seconds 120] [--binary .build/release/playhead]
"""
import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(REPO, ".cache", "bench")


def make_video(seconds):
    """The sample clip (a face, cuts) looped to `seconds`, 720p, a keyframe every 2 s."""
    path = os.path.join(CACHE, f"workers_{seconds}s.mp4")
    if os.path.exists(path):
        return path
    os.makedirs(CACHE, exist_ok=True)
    sample = subprocess.run(["bash", os.path.join(REPO, "scripts", "sample.sh")], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    partial = path + ".partial.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1", "-i", sample, "-t", str(seconds),
                    "-vf", "scale=1280:720", "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p", "-an", partial], check=True)
    os.replace(partial, path)
    return path


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO, **kwargs)


def job_state(db):
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT state, error FROM jobs ORDER BY created_at DESC LIMIT 1").fetchone()
        cost = connection.execute("SELECT count(*), sum(cpu_seconds), sum(wall_seconds) FROM tasks").fetchone()
    return row, cost


def time_workers(binary, video, features, workers, threads, pin):
    """Seconds from starting `workers` worker processes (each pinned to its own core with taskset when
    `pin`) until their job is done."""
    scratch = tempfile.mkdtemp(prefix="playhead-workers-")
    db = os.path.join(scratch, "store.db")
    run([binary, "pipelines", "add", "bench", "--features", features, "--chunk-seconds", "10", "--store", db])
    run([binary, "media", "add", video, "--store", db])
    logs = [open(os.path.join(scratch, f"w{i}.log"), "w") for i in range(workers)]
    start = time.monotonic()
    def command(i):
        worker = [binary, "worker", "--store", db, "--name", f"w{i}", "--threads", str(threads), "--log-level", "warning"]
        return ["taskset", "-c", str(i % os.cpu_count())] + worker if pin else worker
    children = [subprocess.Popen(command(i), stdout=logs[i], stderr=logs[i], cwd=REPO) for i in range(workers)]
    try:
        while True:
            (state, error), cost = job_state(db)
            if state in ("succeeded", "failed"):
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - start
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=120)
    if state != "succeeded":
        sys.exit(f"job failed: {error}")
    return elapsed, cost


def time_analyze(binary, video, features, db):
    start = time.monotonic()
    result = run([binary, "analyze", video, "--features", features, "--store", db, "--json", os.path.join(os.path.dirname(db), "report.json")])
    return time.monotonic() - start, result.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", default="shots,faces,safety")
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "playhead"))
    a = parser.parse_args()
    video = make_video(a.seconds)
    print(f"video: {video} ({a.seconds} s, 1280x720, 25 fps); features: {a.features}; chunks of 10 s; {os.cpu_count()} cores")

    # One worker per core (taskset, --threads 1) is how workers scale: by process, across cores and machines.
    one, one_cost = time_workers(a.binary, video, a.features, 1, 1, pin=True)
    print(f"1 worker,  one core each:  {one:6.1f} s   {one_cost[0]} chunks, {one_cost[1]:.1f} CPU-s")
    two, two_cost = time_workers(a.binary, video, a.features, 2, 1, pin=True)
    print(f"2 workers, one core each:  {two:6.1f} s   {two_cost[0]} chunks, {two_cost[1]:.1f} CPU-s")
    wide, wide_cost = time_workers(a.binary, video, a.features, 1, 0, pin=False)
    print(f"1 worker,  every core:     {wide:6.1f} s   {wide_cost[0]} chunks, {wide_cost[1]:.1f} CPU-s")
    wide2, wide2_cost = time_workers(a.binary, video, a.features, 2, 0, pin=False)
    print(f"2 workers, every core:     {wide2:6.1f} s   {wide2_cost[0]} chunks, {wide2_cost[1]:.1f} CPU-s")
    print(f"speedup 2 vs 1 worker (one core each): {one / two:.2f}x; unpinned: {wide / wide2:.2f}x "
          f"(one unpinned worker already overlaps decoding and inference on both cores)")

    db = os.path.join(tempfile.mkdtemp(prefix="playhead-memo-"), "store.db")
    cold, cold_log = time_analyze(a.binary, video, a.features, db)
    warm, warm_log = time_analyze(a.binary, video, a.features, db)
    if "from the store" not in warm_log or "frames decoded" in warm_log:
        sys.exit(f"the second analysis computed something:\n{warm_log}")
    print(f"analyze cold: {cold:6.2f} s   ({cold_log.strip().splitlines()[0]})")
    print(f"analyze warm: {warm:6.2f} s   ({warm_log.strip().splitlines()[0]})")
    print(f"memoized re-analysis: {cold / warm:.1f}x faster")


if __name__ == "__main__":
    main()
