#!/usr/bin/env python3
"""Speed of `playhead analyze` with every analyzer on a 60 s 720p video, as a multiple of real time.

The video is a corpus video (faces, on-screen text, speech, cuts) scaled to 1280x720 and looped
to 60 s when a corpus is given, else a synthetic one (test pattern, drawn words, a tone). Each
feature is also timed alone, and `ffmpeg -f null` gives the decode-only floor, all in one run.

  python3 bench/analyze_bench.py [--corpus /tmp/corpus] [--features shots,faces,text,safety,speech] [--repeat 2]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from timing import timed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYHEAD = os.path.join(ROOT, ".build", "release", "playhead")
SECONDS = 60


def make_video(corpus, out):
    if corpus:
        videos = json.load(open(os.path.join(corpus, "corpus.json")))["videos"]
        longest = max(videos, key=lambda v: v["seconds"])["video"]
        source = ["-stream_loop", "-1", "-i", os.path.join(corpus, longest)]
        video_filter = "scale=1280:720,fps=30"
    else:
        source = ["-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={SECONDS}",
                  "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}"]
        video_filter = ("drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='PLAYHEAD "
                        "BENCHMARK':x=80:y=560:fontsize=64:fontcolor=white:box=1:boxcolor=black")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *source, "-t", str(SECONDS), "-vf", video_filter,
                    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", out], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", help="corpus directory from make_corpus.py (else a synthetic video)")
    parser.add_argument("--features", default="shots,faces,text,safety,speech")
    parser.add_argument("--repeat", type=int, default=2, help="runs per contender; the best is kept")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "playhead"], cwd=ROOT, check=True)
    features = args.features.split(",")
    with tempfile.TemporaryDirectory() as scratch:
        video = os.path.join(scratch, "bench-720p-60s.mp4")
        make_video(args.corpus, video)
        report = os.path.join(scratch, "report.json")
        contenders = [("ffmpeg decode (floor)", ["ffmpeg", "-nostdin", "-v", "error", "-i", video, "-f", "null", "-"])]
        contenders.append(("all: " + ",".join(features), [PLAYHEAD, "analyze", video, "--features", ",".join(features), "--json", report]))
        contenders += [(feature, [PLAYHEAD, "analyze", video, "--features", feature, "--json", report]) for feature in features]
        print(f"video: 1280x720 30 fps, {SECONDS} s ({'corpus ' + args.corpus if args.corpus else 'synthetic'}); "
              f"cpu: {os.cpu_count()} cores; best of {args.repeat}")
        print(f"{'contender':34} {'wall s':>8} {'x real time':>12}")
        results = {}
        for name, command in contenders:
            # Every playhead run starts from an empty store, or it would read the previous run's results back.
            best, _ = timed(command, args.repeat, fresh_store=os.path.join(scratch, "store") if command[0] == PLAYHEAD else None)
            results[name] = best
            print(f"{name:34} {best:8.2f} {SECONDS / best:12.2f}", flush=True)
        overall = results["all: " + ",".join(features)]
        print(f"\nall analyzers: {SECONDS / overall:.2f}x real time (target >= 2x); "
              f"sum of single-feature runs {sum(results[f] for f in features):.1f} s vs one decode {overall:.1f} s")
        return 0 if SECONDS / overall >= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
