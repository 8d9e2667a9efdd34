#!/usr/bin/env python3
"""Shot detection: playhead against PySceneDetect and plain ffmpeg decoding, on the corpus, in one run.

    python3 bench/shots_bench.py --corpus /tmp/corpus [/tmp/corpus2 ...] [--repeat 2] [--json-out out.json]

For every corpus video it times `playhead analyze FILE --features shots --json ...` (the whole process:
probe, hashing, decode and detection, on an empty feature store each time),
`ffmpeg -nostdin -i FILE -f null -` (decode only, the speed limit), and the peers of
../shared/bench/peers/shots.py (PySceneDetect ContentDetector, AdaptiveDetector, ...; installed with
pinned versions into .cache/bench/shots-venv). Speed is video frames / wall seconds, the fastest of
--repeat runs. The peers are timed inside one Python process from opening each video, so playhead's
analysis alone (the job's wall time that `playhead analyze` prints: decode, detection and storing the
result, without process start, hashing and the report) is listed too, as the like-for-like figure.
F1 uses the corpus rule (bench/score_corpus.py): our transition's end_frame, the peers' cut frame, both
the first frame of the new shot, must lie in [from_frame - 2, to_frame + 2].
Build first: `swift build -c release --product playhead` (or `make bench-shots`).
"""
import argparse
import glob
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import score_corpus  # noqa: E402
from timing import timed  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / ".cache/bench/shots-venv"
PINS = ["scenedetect==0.7.2", "opencv-python-headless==5.0.0.93", "numpy==2.4.6"]
PEER = ROOT.parent / "shared/bench/peers/shots.py"
PEERS_SHOWN = ["pyscenedetect.ContentDetector", "pyscenedetect.AdaptiveDetector"]
# playhead's analysis without process start, hashing and report (as printed by `playhead analyze`).
IN_PROCESS = "playhead.shots analysis alone"


def ensure_venv():
    """Creates the peers' venv, or brings it to the pinned versions; does nothing when it already matches."""
    python = VENV / "bin/python"
    if python.exists():
        frozen = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout.lower().split()
        if all(pin.lower() in frozen for pin in PINS):
            return python
    else:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PINS], check=True)
    return python


def frame_count(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=nb_frames",
                          "-of", "csv=p=0", path], check=True, capture_output=True, text=True).stdout
    return int(out.strip().split(",")[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", required=True)
    parser.add_argument("--playhead", default=str(ROOT / ".build/release/playhead"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender and video; the fastest counts")
    parser.add_argument("--json-out", type=pathlib.Path)
    args = parser.parse_args()
    if not os.path.exists(args.playhead):
        sys.exit(f"{args.playhead} not found: run `swift build -c release --product playhead` first")
    python = ensure_venv()
    totals = {}   # contender -> {tp, fp, fn, frames, seconds}
    rows = []

    def add(name, frames, seconds, counts=None):
        t = totals.setdefault(name, {"tp": 0, "fp": 0, "fn": 0, "frames": 0, "seconds": 0.0})
        t["frames"] += frames
        t["seconds"] += seconds
        for key in ("tp", "fp", "fn"):
            t[key] += counts[key] if counts else 0
        if counts is None:
            t["decode_only"] = True

    with tempfile.TemporaryDirectory() as scratch:
        for folder in args.corpus:
            peer_json = pathlib.Path(scratch) / "peers.json"
            print(f"running peers on {folder} ...", file=sys.stderr)
            subprocess.run([str(python), str(PEER), "--corpus", folder, "--repeat", str(args.repeat), "--json-out", str(peer_json)],
                           check=True, stdout=subprocess.DEVNULL)
            peers = {row["video"]: row for row in json.loads(peer_json.read_text())["videos"]}
            for path in sorted(glob.glob(os.path.join(folder, "video_*.mp4"))):
                name = os.path.basename(path)
                gt = json.loads(pathlib.Path(path[:-4] + ".gt.json").read_text())
                frames = frame_count(path)
                report = pathlib.Path(scratch) / (name[:-4] + ".json")
                ours_s, log = timed([args.playhead, "analyze", path, "--features", "shots", "--json", str(report)], args.repeat,
                                    fresh_store=os.path.join(scratch, "store"))
                ours = score_corpus.score_shots(json.loads(report.read_text())["transitions"], gt)
                add("playhead.shots", frames, ours_s, ours)
                # The peers are timed in-process from opening the video; the analysis alone is the like-for-like figure.
                analysis_s = float(re.search(r"frames decoded in ([0-9.]+) s", log).group(1))
                add(IN_PROCESS, frames, analysis_s, ours)
                ffmpeg_s, _ = timed(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"], args.repeat)
                add("ffmpeg decode", frames, ffmpeg_s)
                row = {"corpus": folder, "video": name, "frames": frames,
                       "playhead.shots": {"f1": score_corpus.prf(ours["tp"], ours["fp"], ours["fn"])["f1"], "fps": frames / ours_s,
                                          "missed": ours["missed"], "extra": ours["extra"]},
                       "ffmpeg decode": {"fps": frames / ffmpeg_s}}
                for peer, result in peers[name]["detectors"].items():
                    add(peer, frames, result["seconds"], result)
                    row[peer] = {"f1": result["f1"], "fps": result["fps"]}
                rows.append(row)
                cells = "  ".join(f"{c.split('.')[-1][:16]:>16} " + (f"{row[c]['f1']:.3f}" if "f1" in row[c] else "    -")
                                  + f" {row[c]['fps']:7.1f}" for c in ["playhead.shots", *PEERS_SHOWN, "ffmpeg decode"])
                print(f"{os.path.basename(folder)}/{name:<13} {cells}")
    summary = {}
    print(f"\n{'contender':<34} {'F1':>6} {'P':>6} {'R':>6} {'tp/fp/fn':>10} {'frames/s':>9}")
    for name, t in totals.items():
        fps = t["frames"] / t["seconds"]
        scores = None if t.get("decode_only") else score_corpus.prf(t["tp"], t["fp"], t["fn"])
        summary[name] = {"fps": fps, **(scores or {}), **({k: t[k] for k in ("tp", "fp", "fn")} if scores else {})}
        print(f"{name:<34} " + (f"{scores['f1']:6.3f} {scores['precision']:6.3f} {scores['recall']:6.3f} "
                                 f"{t['tp']:>3}/{t['fp']}/{t['fn']:<4}" if scores else f"{'-':>6} {'-':>6} {'-':>6} {'-':>10}")
              + f" {fps:9.1f}")
    ours, analysis = summary["playhead.shots"], summary[IN_PROCESS]
    print()
    for peer in PEERS_SHOWN:
        if peer in summary:
            print(f"F1 playhead {ours['f1']:.3f} vs {peer} {summary[peer]['f1']:.3f} ({ours['f1'] - summary[peer]['f1']:+.3f}); "
                  f"speed x{ours['fps'] / summary[peer]['fps']:.2f} (analysis alone x{analysis['fps'] / summary[peer]['fps']:.2f})")
    print(f"speed vs ffmpeg decode: x{ours['fps'] / summary['ffmpeg decode']['fps']:.2f} "
          f"(analysis alone x{analysis['fps'] / summary['ffmpeg decode']['fps']:.2f})")
    if args.json_out:
        args.json_out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "repeat": args.repeat, "corpus": args.corpus,
                                             "pins": PINS, "summary": summary, "videos": rows}, indent=1))


if __name__ == "__main__":
    main()
