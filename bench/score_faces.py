#!/usr/bin/env python3
"""Scores `playhead analyze --features faces` on the evaluation corpus (../shared/corpus).

Convention (corpus README): every face shot must overlap a face track; no face track may touch a
synthetic-pattern shot. Also reported: face tracks on photographs without a face.

    python3 bench/score_faces.py /tmp/corpus [--playhead .build/release/playhead]
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile


def overlaps(a_start, a_end, b_start, b_end):
    return a_start < b_end and b_start < a_end


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=pathlib.Path)
    parser.add_argument("--playhead", default=".build/release/playhead")
    parser.add_argument("--extra", nargs="*", default=[], help="extra arguments for playhead analyze")
    args = parser.parse_args()

    truths = sorted(args.corpus.glob("video_*.gt.json"))
    if not truths:
        sys.exit(f"no video_*.gt.json in {args.corpus}; make the corpus first (see ../shared/corpus/README.md)")
    found = {}       # face kind -> [found, total]
    false_synthetic = 0
    false_photo = 0
    synthetic_total = photo_total = 0
    with tempfile.TemporaryDirectory() as scratch:
        for truth_path in truths:
            truth = json.loads(truth_path.read_text())
            video = truth_path.with_name(truth_path.name.replace(".gt.json", ".mp4"))
            report_path = pathlib.Path(scratch) / (video.stem + ".json")
            subprocess.run([args.playhead, "analyze", str(video), "--features", "faces", "--json", str(report_path), *args.extra],
                           check=True, stdout=subprocess.DEVNULL)
            tracks = json.loads(report_path.read_text()).get("faces") or []
            fps = truth["fps"]
            for shot in truth["shots"]:
                # Frame k covers [k/fps, (k+1)/fps).
                start, end = shot["start_frame"] / fps, (shot["end_frame"] + 1) / fps
                hit = [t for t in tracks if any(start <= b["t"] < end for b in t["boxes"])]
                if shot["has_face"]:
                    tally = found.setdefault(shot["face"], [0, 0])
                    tally[1] += 1
                    tally[0] += bool(hit)
                    status = "found" if hit else "MISSED"
                elif shot["motion"] == "synthetic":
                    synthetic_total += 1
                    false_synthetic += bool(hit)
                    status = "FALSE FACE" if hit else "none"
                else:
                    photo_total += 1
                    false_photo += bool(hit)
                    status = "false face" if hit else "none"
                print(f"{video.name} shot {shot['index']:2d} {shot['source']:18s} face={shot['face'] or '-':9s} {status}")
    print()
    for kind, (hit, total) in sorted(found.items()):
        print(f"{kind} shots with a face track: {hit}/{total}")
    print(f"synthetic-pattern shots with a face track: {false_synthetic}/{synthetic_total}")
    print(f"faceless photograph shots with a face track: {false_photo}/{photo_total}")
    ok = found.get("astronaut", [0, 0])[0] == found.get("astronaut", [0, 0])[1] and false_synthetic == 0
    print("PASS" if ok else "FAIL", "(astronaut found in every shot, nothing in synthetic patterns)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
