# The two commands in README.md: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
FILE ?=
REPORT ?= out/report.json

.PHONY: demo test setup bench

setup:
	@bash scripts/setup.sh

demo: setup
	swift build -c release --product playhead
	.build/release/playhead models pull
	@sample="$(FILE)"; [ -n "$$sample" ] || sample="$$(bash scripts/sample.sh)"; \
	  mkdir -p "$$(dirname "$(REPORT)")" && \
	  .build/release/playhead analyze "$$sample" --features faces --json "$(REPORT)" && \
	  echo "report: $(abspath $(REPORT))"

test: setup
	swift build --build-tests
	.build/debug/playhead models pull
	swift test --skip-build

bench: setup
	swift build -c release --product playhead
	.build/release/playhead models pull
	.build/release/playhead bench decode
	.build/release/playhead bench inference

# Serving benchmark: playhead serve vs raw OpenVINO, Ray Serve, MLServer (bench/serve_bench.py; venvs in .cache/bench/).
# e.g. make bench-serve BENCH_ARGS="--seconds 10 --only raw,playhead"
.PHONY: bench-serve
bench-serve: setup
	swift build -c release --product playhead
	.build/release/playhead models pull nudenet-320n
	python3 bench/serve_bench.py --no-build $(BENCH_ARGS)

# Shot detection: playhead vs PySceneDetect (venv in .cache/bench/shots-venv) and ffmpeg decode speed on the corpus.
# e.g. make bench-shots CORPUS="/tmp/corpus /tmp/corpus2" BENCH_ARGS="--repeat 2"
CORPUS ?= /tmp/corpus
.PHONY: bench-shots
bench-shots:
	swift build -c release --product playhead
	python3 bench/shots_bench.py --corpus $(CORPUS) $(BENCH_ARGS)
