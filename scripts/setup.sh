#!/usr/bin/env bash
# Installs what Playhead needs to build and run; idempotent and quick when everything is present.
# Debian packages (FFmpeg and SQLite dev libraries, ffmpeg CLI, espeak-ng, fonts, PostgreSQL server binaries for the
# store tests), a project-local Python venv with
# the OpenVINO wheel, and .deps/ with a pkg-config file SwiftPM uses to find OpenVINO's C API.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

OPENVINO_VERSION="2026.4.1"
# The official KServe v2 client; the server tests drive `playhead serve` with it.
TRITONCLIENT_VERSION="2.73.0"
apt_packages=(libavformat-dev libavcodec-dev libswscale-dev libswresample-dev libavutil-dev
              pkg-config ffmpeg espeak-ng fonts-dejavu-core libsqlite3-dev)
# The store tests start a throwaway cluster with initdb/pg_ctl; any installed server version will do.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_packages+=(postgresql)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating $venv"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('openvino') != '$OPENVINO_VERSION')" 2>/dev/null; then
  echo "setup: installing openvino==$OPENVINO_VERSION"
  "$venv/bin/pip" install -q --disable-pip-version-check "openvino==$OPENVINO_VERSION"
fi
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('tritonclient') != '$TRITONCLIENT_VERSION')" 2>/dev/null; then
  echo "setup: installing tritonclient[http]==$TRITONCLIENT_VERSION"
  "$venv/bin/pip" install -q --disable-pip-version-check "tritonclient[http]==$TRITONCLIENT_VERSION"
fi

ov_dir="$("$venv/bin/python" -c "import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('openvino').origin))")"
c_lib="$(ls "$ov_dir"/libs/libopenvino_c.so.* | head -n 1)"
deps="$root/.deps"
pc="$deps/pkgconfig/openvino.pc"
want="prefix=$deps/openvino
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: openvino
Description: OpenVINO runtime C API (from the openvino $OPENVINO_VERSION wheel)
Version: $OPENVINO_VERSION
Cflags: -I\${includedir}
Libs: -L\${libdir} -lopenvino_c"
if [ "$(cat "$pc" 2>/dev/null)" != "$want" ] || [ "$(readlink "$deps/openvino/runtime")" != "$ov_dir/libs" ]; then
  echo "setup: writing $pc"
  mkdir -p "$deps/pkgconfig" "$deps/openvino/lib"
  ln -sfn "$ov_dir/include" "$deps/openvino/include"
  ln -sfn "$ov_dir/libs" "$deps/openvino/runtime"
  ln -sfn "$c_lib" "$deps/openvino/lib/libopenvino_c.so"
  printf '%s\n' "$want" > "$pc"
  # SwiftPM caches pkg-config answers until the manifest changes.
  [ -f Package.swift ] && touch Package.swift
fi

# Real photographs for face tests and the demo sample (from the scikit-image wheel; checked by SHA-256).
"$venv/bin/python" scripts/photos.py "$root/.cache/photos"
