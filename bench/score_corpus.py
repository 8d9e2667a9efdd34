#!/usr/bin/env python3
"""Scores `playhead analyze --json` reports against the evaluation corpus ground truth (../shared/corpus).

    python3 bench/score_corpus.py --corpus /tmp/corpus --reports DIR [--json-out scores.json]

DIR holds `video_NN.json` for the corpus's `video_NN.mp4`; each feature is scored only where the report has
it ("-" otherwise). Conventions (corpus README):

- Shots: the frame compared is a detected transition's `end_frame`, the first frame showing only the
  incoming shot -- the same frame PySceneDetect reports as a cut, so peers and we are held to one rule.
  It matches a true transition if it lies in [from_frame - 2, to_frame + 2]; each true transition matches
  at most one detection (maximum matching), unmatched detections are false positives; F1 is micro-averaged.
  Also printed, not used for F1: "span", the matches whose whole [start_frame, end_frame] lies inside
  [from_frame - 2, to_frame + 2], and "type", the matches whose type agrees (fade = fade_black).
- Speech: intervals sampled every 10 ms (a 10 ms frame is speech if its centre is inside an interval),
  F1 over speech frames.
- Text: a ground-truth word counts as read if the exact word (case-insensitive) is a word of a report
  `text` item whose [start, end] overlaps the word's time span.
- Faces: every face shot overlaps a face track; no face track overlaps a synthetic-pattern shot.
"""
import argparse
import bisect
import json
import pathlib
import re
import sys

TOL = 2
STEP_S = 0.01


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def match_frames(frames, transitions, tol=TOL):
    """Maximum matching of detected frames to true transition spans widened by tol.

    Transitions are taken in order of their right end and each takes the earliest free frame in its window;
    for intervals against points this greedy order is a maximum matching. Returns (hit per transition,
    index of the detection each transition took or None)."""
    order = sorted(range(len(frames)), key=lambda i: frames[i])
    sorted_frames = [frames[i] for i in order]
    used = [False] * len(frames)
    taken = [None] * len(transitions)
    for i in sorted(range(len(transitions)), key=lambda i: transitions[i]["to_frame"]):
        lo, hi = transitions[i]["from_frame"] - tol, transitions[i]["to_frame"] + tol
        k = bisect.bisect_left(sorted_frames, lo)
        while k < len(sorted_frames) and sorted_frames[k] <= hi and used[k]:
            k += 1
        if k < len(sorted_frames) and sorted_frames[k] <= hi:
            used[k] = True
            taken[i] = order[k]
    return [t is not None for t in taken], taken


def score_shots(report_transitions, gt):
    """Counts for one video: tp/fp/fn on end_frame, plus span and type agreement of the matches."""
    truth = gt["transitions"]
    hit, taken = match_frames([t["end_frame"] for t in report_transitions], truth)
    tp = sum(hit)
    span = typed = 0
    for true, k in zip(truth, taken):
        if k is None:
            continue
        det = report_transitions[k]
        lo, hi = true["from_frame"] - TOL, true["to_frame"] + TOL
        span += lo <= det["start_frame"] and det["end_frame"] <= hi
        typed += det["type"] == ("fade" if true["type"] == "fade_black" else true["type"])
    missed = [f"{t['type']}@{t['from_frame']}-{t['to_frame']}" for t, h in zip(truth, hit) if not h]
    extra = [f"{d['type']}@{d['start_frame']}-{d['end_frame']}" for i, d in enumerate(report_transitions) if i not in taken]
    return {"tp": tp, "fp": len(report_transitions) - tp, "fn": len(truth) - tp, "span": span, "typed": typed,
            "missed": missed, "extra": extra}


def speech_frames(intervals, duration_s):
    n = int(round(duration_s / STEP_S))
    marks = [False] * n
    for start, end in intervals:
        for k in range(max(0, int(start / STEP_S - 0.5)), min(n, int(end / STEP_S + 0.5) + 1)):
            centre = (k + 0.5) * STEP_S
            if start <= centre < end:
                marks[k] = True
    return marks


def score_speech(report_speech, gt):
    duration = gt["duration_s"]
    truth = speech_frames([(s["start_s"], s["end_s"]) for s in gt["speech"]], duration)
    found = speech_frames([(s["start"], s["end"]) for s in report_speech], duration)
    tp = sum(a and b for a, b in zip(truth, found))
    return {"tp": tp, "fp": sum(found) - tp, "fn": sum(truth) - tp}


def words(text):
    return [w.lower() for w in re.findall(r"[A-Za-z0-9']+", text)]


def score_text(report_text, gt):
    fps = gt["fps"]
    read = total = 0
    for overlay in gt["text_overlays"]:
        start, end = overlay["from_frame"] / fps, (overlay["to_frame"] + 1) / fps
        seen = set()
        for item in report_text:
            if item["start"] < end and start < item["end"]:
                seen.update(words(item.get("text", "")))
        for word in words(overlay["text"]):
            total += 1
            read += word in seen
    return {"read": read, "total": total}


def score_faces(report_faces, gt):
    fps = gt["fps"]
    spans = [(s, s["start_frame"] / fps, (s["end_frame"] + 1) / fps) for s in gt["shots"]]
    tracks = [(t["start"], t["end"]) for t in report_faces]
    face_shots = [(a, b) for s, a, b in spans if s["has_face"]]
    hit = sum(any(ts < b and a < te for ts, te in tracks) for a, b in face_shots)
    synthetic = [(a, b) for s, a, b in spans if s["source"].startswith("lavfi:")]
    false_tracks = sum(any(ts < b and a < te for a, b in synthetic) for ts, te in tracks)
    return {"hit": hit, "face_shots": len(face_shots), "tracks_on_synthetic": false_tracks}


def score_report(report, gt):
    """Scores of every feature present in one report."""
    out = {}
    if report.get("transitions") is not None:
        out["shots"] = score_shots(report["transitions"], gt)
    if report.get("speech") is not None:
        out["speech"] = score_speech(report["speech"], gt)
    if report.get("text") is not None:
        out["text"] = score_text(report["text"], gt)
    if report.get("faces") is not None:
        out["faces"] = score_faces(report["faces"], gt)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=pathlib.Path, required=True)
    parser.add_argument("--reports", type=pathlib.Path, required=True)
    parser.add_argument("--json-out", type=pathlib.Path)
    args = parser.parse_args()
    truths = sorted(args.corpus.glob("video_*.gt.json"))
    if not truths:
        sys.exit(f"no video_*.gt.json in {args.corpus}; make the corpus first (see ../shared/corpus/README.md)")
    totals = {"shots": {"tp": 0, "fp": 0, "fn": 0, "span": 0, "typed": 0}, "speech": {"tp": 0, "fp": 0, "fn": 0},
              "text": {"read": 0, "total": 0}, "faces": {"hit": 0, "face_shots": 0, "tracks_on_synthetic": 0}}
    seen = set()
    rows = {}
    print(f"{'video':<10} {'shots F1 (tp/fp/fn, span, type)':<34} {'speech F1':>9} {'text read':>10} {'faces hit, on synthetic':>24}")
    for truth_path in truths:
        name = truth_path.name[: -len(".gt.json")]
        report_path = args.reports / f"{name}.json"
        if not report_path.exists():
            print(f"{name:<10} no report")
            continue
        gt = json.loads(truth_path.read_text())
        scores = score_report(json.loads(report_path.read_text()), gt)
        rows[name] = scores
        for feature, counts in scores.items():
            seen.add(feature)
            for key in totals[feature]:
                totals[feature][key] += counts[key]
        print(f"{name:<10} {shots_cell(scores.get('shots')):<34} {speech_cell(scores.get('speech')):>9} "
              f"{text_cell(scores.get('text')):>10} {faces_cell(scores.get('faces')):>24}")
        if scores.get("shots") and (scores["shots"]["missed"] or scores["shots"]["extra"]):
            print(f"{'':<10} missed {scores['shots']['missed']} extra {scores['shots']['extra']}")
    get = lambda f: totals[f] if f in seen else None
    print(f"{'total':<10} {shots_cell(get('shots')):<34} {speech_cell(get('speech')):>9} "
          f"{text_cell(get('text')):>10} {faces_cell(get('faces')):>24}")
    if args.json_out:
        args.json_out.write_text(json.dumps({"videos": rows, "totals": {f: totals[f] for f in seen}}, indent=1))


def shots_cell(c):
    if c is None:
        return "-"
    return f"{prf(c['tp'], c['fp'], c['fn'])['f1']:.3f} ({c['tp']}/{c['fp']}/{c['fn']}, {c['span']}, {c['typed']})"


def speech_cell(c):
    return "-" if c is None else f"{prf(c['tp'], c['fp'], c['fn'])['f1']:.3f}"


def text_cell(c):
    return "-" if c is None else f"{c['read']}/{c['total']}"


def faces_cell(c):
    return "-" if c is None else f"{c['hit']}/{c['face_shots']}, {c['tracks_on_synthetic']}"


if __name__ == "__main__":
    main()
