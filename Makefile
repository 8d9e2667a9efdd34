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

# Jobs: 1 vs 2 worker processes on one job (one core each, and unpinned), memoized vs cold analyze (bench/workers_bench.py).
.PHONY: bench-jobs
bench-jobs: setup
	swift build -c release --product playhead
	.build/release/playhead models pull
	python3 bench/workers_bench.py $(BENCH_ARGS)

# Accuracy of every analyzer on evaluation corpora (../shared/corpus/make_corpus.py --seed N --out DIR):
# analyses each video into out/eval/<corpus>/ and scores it with bench/score_corpus.py. The store starts
# empty, so every result is computed by this build, not read back from an earlier run.
# e.g. make eval CORPUS="/tmp/corpus /tmp/corpus4"
.PHONY: eval
eval: setup
	swift build -c release --product playhead
	.build/release/playhead models pull
	@rm -rf out/eval/store && mkdir -p out/eval/store
	@for dir in $(CORPUS); do \
	  out="out/eval/$$(basename $$dir)"; mkdir -p "$$out"; \
	  for video in $$dir/video_*.mp4; do \
	    .build/release/playhead analyze "$$video" --features shots,faces,text,safety,speech --store out/eval/store/playhead.db \
	      --json "$$out/$$(basename $$video .mp4).json" 2>/dev/null || exit 1; \
	  done; \
	  echo "== $$dir"; python3 bench/score_corpus.py --corpus "$$dir" --reports "$$out" || exit 1; \
	done
