#!/usr/bin/env bash
# Chunked `playhead analyze` with 1 and 2 workers against the whole-file run, on a 2-minute 720p video
# (shots, faces, safety; release build). Prints wall seconds per run and the 2-worker speedup, and
# checks that every chunked report equals the whole-file report byte for byte.
#
#   bench/chunks_bench.sh [source video] [chunk seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
source_video=${1:-/tmp/corpus/video_05.mp4}
chunk_seconds=${2:-10}
video=.cache/bench/chunks_720p_120s.mp4
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [[ ! -f $video ]]; then
    mkdir -p "$(dirname "$video")"
    # Looped to two minutes, scaled to 720p, a keyframe every 2 s as streaming encoders place them.
    ffmpeg -nostdin -hide_banner -loglevel error -y -stream_loop -1 -i "$source_video" -t 120 -vf scale=1280:720 \
        -c:v libx264 -preset veryfast -g 50 -pix_fmt yuv420p -an "$video.tmp.mp4"
    mv "$video.tmp.mp4" "$video"
fi
swift build -c release --product playhead >/dev/null
playhead=.build/release/playhead

run() { # label, then analyze options; prints "label wall-seconds cpu-seconds"
    local label=$1; shift
    local TIMEFORMAT="%R %U %S" times
    times=$( { time "$playhead" analyze "$video" --features shots,faces,safety --json "$out/$label.json" "$@" 2>/dev/null; } 2>&1 )
    read -r wall user system <<<"$times"
    echo "$label $wall $(echo "$user + $system" | bc -l)"
}

results=("$(run whole)" "$(run workers1 --chunk-seconds "$chunk_seconds" --workers 1)" "$(run workers2 --chunk-seconds "$chunk_seconds" --workers 2)")
for line in "${results[@]}"; do
    read -r label wall cpu <<<"$line"
    printf '%-9s %7.2f s wall %7.2f s cpu (%.2f cores busy)\n' "$label" "$wall" "$cpu" "$(echo "$cpu / $wall" | bc -l)"
done
one=$(echo "${results[1]}" | cut -d' ' -f2) two=$(echo "${results[2]}" | cut -d' ' -f2)
printf 'speedup 1 -> 2 workers: %.2fx (chunks of %s s, %s cores)\n' "$(echo "$one / $two" | bc -l)" "$chunk_seconds" "$(nproc)"
for label in workers1 workers2; do
    if cmp -s "$out/whole.json" "$out/$label.json"; then echo "$label report: identical to whole-file"; else echo "$label report: DIFFERS from whole-file"; fi
done
