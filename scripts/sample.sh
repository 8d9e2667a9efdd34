#!/usr/bin/env bash
# Makes the demo sample (idempotent): 4 s of the astronaut photograph slowly zooming, a hard cut, 3 s of a
# synthetic test pattern with a caption, and a spoken sentence (espeak-ng). Prints the path.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.cache/sample/sample.mp4"
[ -f "$out" ] && { echo "$out"; exit 0; }
mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
espeak-ng -w "$tmp/speech.wav" "Playhead analyses this sample video." >/dev/null 2>&1
ffmpeg -nostdin -v error -y \
  -loop 1 -framerate 25 -i "$root/.cache/photos/astronaut.png" \
  -f lavfi -i "testsrc2=size=1280x720:rate=25" \
  -i "$tmp/speech.wav" \
  -filter_complex "[0:v]scale=2560:2560,crop=2560:1440:0:0,zoompan=z='1+0.15*on/100':x='iw/2-iw/zoom/2':y='0':d=100:s=1280x720:fps=25,trim=end_frame=100,setpts=PTS-STARTPTS[a];\
[1:v]trim=end_frame=75,setpts=PTS-STARTPTS,drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text='PLAYHEAD SAMPLE':fontsize=64:fontcolor=white:box=1:boxcolor=black@0.6:x=(w-tw)/2:y=h-140[b];\
[a][b]concat=n=2:v=1:a=0,format=yuv420p[v];[2:a]apad=whole_dur=7,aresample=48000[aud]" \
  -map "[v]" -map "[aud]" -t 7 -c:v libx264 -preset veryfast -crf 20 -c:a aac "$tmp/sample.mp4"
mv "$tmp/sample.mp4" "$out"
echo "$out"
