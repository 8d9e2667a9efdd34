#!/usr/bin/env python3
"""Serving benchmark: `playhead serve` against raw OpenVINO, Ray Serve and MLServer on NudeNet 320n.

One command sets up the peers' venvs (idempotent), checks the model file, then runs the
contenders one at a time (never overlapping), each under a closed-loop load at every
--concurrency for --seconds, and prints a table, the ratios and PASS/FAIL per target:

  raw       OpenVINO in one Python process via peers/ov_raw.py: THROUGHPUT hint with the
            optimal number of async infer requests (the ceiling, images/s), LATENCY hint
            synchronous infer (the c=1 figure), and a closed loop of C in-process clients
            over the THROUGHPUT model (the c=8/c=32 figures, queueing included).
  playhead  `.build/release/playhead serve --config FILE --port N`, KServe v2 binary tensors,
            load from peers/kserve_load.py --body binary.
  ray       peers/serve_ray.py (Ray Serve, @serve.batch), raw RGB bodies via peers/load.py.
  mlserver  peers/serve_mlserver.py (MLServer 1.7.1, no binary extension), JSON bodies via
            peers/kserve_load.py --body json; its own venv.

  python3 bench/serve_bench.py                          # everything, 20 s per level
  python3 bench/serve_bench.py --seconds 5 --only raw,playhead --concurrency 1 32
  python3 bench/serve_bench.py --rounds 3               # alternate rounds; medians and spread
  python3 bench/serve_bench.py --setup-only             # venvs + model check only

Targets (judged on the medians over --rounds): Playhead req/s >= 0.9x raw at c=32 (the higher of
the THROUGHPUT ceiling and the 32-client closed loop); >= 1.5x the
best of Ray Serve and MLServer at c=32; Playhead p50 at c=1 <= raw LATENCY p50 + 1.5 ms;
Playhead p99 at c=32 <= raw's p99 at c=32 (the in-process closed loop at the same 32 clients).

Exit status: 0 all targets PASS (or could not be judged), 1 a contender failed to run,
2 a target FAILED. Standard library only; the peers run in venvs under .cache/bench/.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(REPO, ".cache", "bench")
MODEL_NAME, MODEL_VERSION, MODEL_FILE = "nudenet-320n", "3.4.2", "320n.onnx"
CONTENDERS = ("raw", "playhead", "ray", "mlserver")
PROGRESS = re.compile(r"\bc=\d+: ")            # load generators' per-level lines, echoed live

T0 = time.time()


def log(msg):
    print(f"[serve_bench {time.time() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- venvs

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ensure_venv(path, requirements):
    """Create `path` with `requirements` installed; a no-op when its stamp file already holds the
    requirements' sha256 and the interpreter's version. Returns facts for the JSON."""
    t0 = time.time()
    py = os.path.join(path, "bin", "python")
    want = f"{sha256_file(requirements)} python{platform.python_version()}\n"
    stamp = os.path.join(path, ".serve_bench.stamp")
    have = open(stamp).read() if os.path.exists(stamp) else None
    works = os.path.exists(py) and subprocess.run([py, "-c", "pass"], capture_output=True).returncode == 0
    if works and have == want:
        return {"venv": path, "requirements": requirements, "action": "up to date",
                "seconds": round(time.time() - t0, 2)}
    if not works or (have is not None and have.split()[1:] != want.split()[1:]):
        if os.path.exists(path):
            log(f"recreating {path}")
            shutil.rmtree(path)
        log(f"creating {path} ({sys.executable} {platform.python_version()})")
        subprocess.run([sys.executable, "-m", "venv", path], check=True)
    if os.path.exists(stamp):
        os.remove(stamp)                      # a failed install must not leave a valid stamp behind
    log(f"pip install -r {requirements} into {path} (a few minutes when fresh)")
    r = subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", requirements])
    if r.returncode != 0:
        raise BenchError(f"pip install -r {requirements} into {path} failed with status {r.returncode}")
    with open(stamp, "w") as f:
        f.write(want)
    dt = round(time.time() - t0, 1)
    log(f"{path} ready in {dt} s")
    return {"venv": path, "requirements": requirements, "action": "installed", "seconds": dt}


def venv_versions(py, packages):
    code = ("import importlib.metadata as m, json, sys\n"
            "out = {}\n"
            "for p in sys.argv[1:]:\n"
            "    try: out[p] = m.version(p)\n"
            "    except m.PackageNotFoundError: out[p] = None\n"
            "print(json.dumps(out))")
    r = subprocess.run([py, "-c", code, *packages], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else {"error": r.stderr[-300:]}


# ---------------------------------------------------------------- processes

def proc_table():
    """pid -> (ppid, session id, start time in clock ticks), from /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        table[int(name)] = (int(rest[1]), int(rest[3]), int(rest[19]))
    return table


def start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError):
        return None


def listening_ports():
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "0A":                          # TCP_LISTEN
                        ports.add(int(parts[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ACTIVE = []                                   # children to stop on Ctrl-C / errors


class Child:
    """A subprocess in its own session. Its stdout is collected, its stderr goes to a log file
    (load-generator progress lines are echoed). A tracker thread records every descendant and
    every process in its session (pid + start time), so stop() can end exactly those, by id,
    even if they were re-parented."""

    def __init__(self, name, cmd, log_path, env=None, cwd=None):
        self.name, self.cmd, self.log_path = name, cmd, log_path
        self.known = {}                           # pid -> start time
        self.stdout = []
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        self.log = open(log_path, "w")
        self.log.write("$ " + " ".join("<driver script>" if "\n" in c else c for c in cmd) + "\n")
        self.log.flush()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True)
        self.known[self.proc.pid] = start_time(self.proc.pid)
        ACTIVE.append(self)
        self._stop_tracking = threading.Event()
        self.threads = [threading.Thread(target=self._read_stdout, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True),
                        threading.Thread(target=self._track, daemon=True)]
        for t in self.threads:
            t.start()

    def _read_stdout(self):
        for chunk in iter(lambda: self.proc.stdout.read(65536), b""):
            self.stdout.append(chunk)

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode(errors="replace")
            try:
                self.log.write(line)
                self.log.flush()
            except ValueError:                    # log closed after stop
                pass
            if PROGRESS.search(line):
                log(f"{self.name}: {line.strip()[:160]}")

    def snapshot(self):
        table = proc_table()
        root = self.proc.pid
        children = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        todo = [p for p in self.known if p in table] or [root]
        seen = set()
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            todo.extend(children.get(p, ()))
        seen.update(pid for pid, (_, sid, _) in table.items() if sid == root)
        seen.discard(os.getpid())
        for pid in seen:
            if pid in table and pid not in self.known:
                self.known[pid] = table[pid][2]

    def _track(self):
        while not self._stop_tracking.is_set():
            self.snapshot()
            self._stop_tracking.wait(0.5)

    def alive(self):
        return self.proc.poll() is None

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def output(self):
        for t in self.threads[:1]:
            t.join(timeout=5)
        return b"".join(self.stdout).decode(errors="replace")

    def leftovers(self):
        return [p for p, st in self.known.items() if st is not None and start_time(p) == st]

    def stop(self, first=signal.SIGTERM, grace=20.0):
        """`first` to the main process, then SIGTERM and SIGKILL to its process group, then
        SIGKILL to any recorded descendant still alive (same pid and start time)."""
        res = {"rc_before_stop": self.proc.poll()}
        t0 = time.time()
        if self.alive():
            self.snapshot()
        if self.alive():
            try:
                os.kill(self.proc.pid, first)
            except ProcessLookupError:
                pass
            if self.wait(grace) is None:
                res["escalated"] = "SIGTERM to group"
                self._killpg(signal.SIGTERM)
                if self.wait(5) is None:
                    res["escalated"] = "SIGKILL to group"
                    self._killpg(signal.SIGKILL)
                    self.proc.wait()
        self._stop_tracking.set()
        deadline = time.time() + 10
        while self.leftovers() and time.time() < deadline:
            time.sleep(0.2)
        left = self.leftovers()
        if left:
            res["killed_leftovers"] = left
            for p in left:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.5)
        self._killpg(signal.SIGKILL)          # empty group -> no-op
        res.update(rc=self.proc.returncode, stop_s=round(time.time() - t0, 1),
                   processes_seen=len(self.known))
        for t in self.threads[1:2]:
            t.join(timeout=5)
        self.log.close()
        if self in ACTIVE:
            ACTIVE.remove(self)
        return res

    def _killpg(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, n=25):
        try:
            with open(self.log_path, errors="replace") as f:
                return [ln.rstrip()[:300] for ln in f.readlines()[-n:]]
        except OSError:
            return []


def stop_all():
    for child in list(ACTIVE):
        log(f"stopping {child.name} (pid {child.proc.pid})")
        try:
            child.stop(first=signal.SIGINT, grace=15)
        except Exception as e:                    # noqa: BLE001 - keep stopping the rest
            log(f"stopping {child.name} failed: {e!r}")


def wait_ports_free(ports, before, timeout=15):
    """Wait until `ports` are closed; -> those still listening. Ports opened since `before` by
    anyone are waited for too but only logged: every process the child started is gone by now
    (Child.stop), so a new listener left is someone else's."""
    t0 = time.time()
    while True:
        now = listening_ports()
        busy, new = sorted(set(ports) & now), sorted(now - before - set(ports))
        if (not busy and (not new or time.time() > t0 + 3)) or time.time() > t0 + timeout:
            if new:
                log(f"note: ports {new} opened during the run are still listening (not ours)")
            return busy
        time.sleep(0.25)


def run_script(name, cmd, timeout, env, first_signal=signal.SIGINT, ports=(), check_ports=True):
    """Run a peer script (one that starts and stops its own server, or a load generator) that
    prints JSON on stdout; -> (parsed stdout, stop facts)."""
    before = listening_ports()
    child = Child(name, cmd, os.path.join(CACHE, "logs", f"{name}.log"), env=env)
    try:
        rc = child.wait(timeout)
    except BaseException:
        log(f"stopping {name} (pid {child.proc.pid})")
        child.stop(first=first_signal, grace=30)
        raise
    timed_out = rc is None
    stop = child.stop(first=first_signal, grace=30)
    busy = wait_ports_free(ports, before) if check_ports else []
    if busy:
        raise BenchError(f"{name}: ports {busy} still listening after the run")
    if timed_out:
        raise BenchError(f"{name}: no result after {timeout:.0f} s; log tail:\n  " + "\n  ".join(child.log_tail()))
    out = child.output()
    if rc != 0:
        tail = child.log_tail()
        raise BenchError(f"{name}: exited with {rc} ({tail[-1] if tail else 'no output'}); log {child.log_path}, "
                         "tail:\n  " + "\n  ".join(tail))
    try:
        return json.loads(out), stop
    except ValueError:
        raise BenchError(f"{name}: stdout is not JSON: {out[-500:]!r}") from None


# ---------------------------------------------------------------- results

def norm_level(lv):
    lat = lv.get("latency_ms", {})
    return {"concurrency": lv["concurrency"], "requests_per_s": lv["requests_per_s"],
            "p50": lat.get("p50"), "p95": lat.get("p95"), "p99": lat.get("p99"), "mean": lat.get("mean"),
            "requests_ok": lv.get("requests_ok"), "errors": lv.get("errors", 0),
            "mean_server_batch": lv.get("mean_server_batch")}


# ---------------------------------------------------------------- raw OpenVINO

RAW_DRIVER = r'''
"""ov_raw.py's THROUGHPUT and LATENCY measurements, plus a closed loop of C in-process clients."""
import json, os, queue, sys, time
peers, model, seconds, max_images = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
concs = [int(c) for c in sys.argv[5:]]
sys.path.insert(0, peers)
import numpy as np
import openvino as ov
import ov_raw, ovmodel

def closed_loop(compiled, nreq, x, conc):
    """C clients: each sends a request the moment its previous reply arrived and waits for the
    reply. A client's latency runs from that moment, so the wait for a free infer request (and
    for the submitting thread) counts, as queueing in a server does: mean latency = C / rate."""
    q = ov.AsyncInferQueue(compiled, nreq)
    tokens, lat = queue.SimpleQueue(), []          # one token per idle client: the time it sent
    def done(req, t_sent):
        now = time.perf_counter()
        lat.append(now - t_sent)
        tokens.put(now)
    q.set_callback(done)
    def drive(n_max, t_end):
        n = 0
        while n < n_max and time.perf_counter() < t_end:
            q.start_async({0: x}, tokens.get())
            n += 1
        return n
    for _ in range(conc):
        tokens.put(time.perf_counter())
    drive(max(4, 2 * conc), float("inf"))            # unmeasured warm-up, like the load generators
    q.wait_all()
    while not tokens.empty():
        tokens.get()
    lat.clear()
    t0 = time.perf_counter()
    for _ in range(conc):
        tokens.put(t0)
    n = drive(max_images, t0 + seconds)
    q.wait_all()
    dt = time.perf_counter() - t0
    a = np.array(lat) * 1000
    q_ = lambda p: round(float(np.percentile(a, p)), 2)
    return {"concurrency": conc, "requests_ok": n, "errors": 0, "seconds": round(dt, 2),
            "requests_per_s": round(n / dt, 1), "infer_requests": nreq,
            "latency_ms": {"p50": q_(50), "p95": q_(95), "p99": q_(99), "mean": round(float(a.mean()), 2)}}

x = ovmodel.to_tensor(ovmodel.sample_rgb())[None]
res = {"openvino": ov.__version__, "cpu": ov.Core().get_property("CPU", "FULL_DEVICE_NAME"),
       "cores": os.cpu_count(), "model": model}
print("raw: THROUGHPUT (ov_raw.throughput)", file=sys.stderr, flush=True)
res["throughput_b1"] = ov_raw.throughput(model, x, seconds, max_images)
print(f"raw ceiling c=0: {res['throughput_b1']['images_per_s']} img/s", file=sys.stderr, flush=True)
res["latency_b1"] = ov_raw.latency(model, x, seconds, max_images)
lb = res["latency_b1"]
print(f"raw LATENCY c=1: {lb['images_per_s']} img/s p50 {lb['latency_ms']['p50']} ms", file=sys.stderr, flush=True)
compiled = ovmodel.compile_model(model, "THROUGHPUT")
nreq = compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")
res["closed_loop"] = []
for c in concs:
    lv = closed_loop(compiled, nreq, x, c)
    res["closed_loop"].append(lv)
    print(f"raw closed loop c={c}: {lv['requests_per_s']} req/s p50 {lv['latency_ms']['p50']} ms "
          f"p99 {lv['latency_ms']['p99']} ms", file=sys.stderr, flush=True)
print(json.dumps(res), flush=True)
sys.stderr.flush()
os._exit(0)     # skip interpreter teardown: OpenVINO's infer-queue threads can abort it ("terminate called ...")
'''


def run_raw(a, ctx):
    cmd = [ctx["peers_py"], "-c", RAW_DRIVER, a.peers, ctx["model"], str(a.seconds), str(ctx["max_requests"]),
           *map(str, a.concurrency)]
    timeout = a.ready_timeout + (2 + len(a.concurrency)) * (a.seconds + 30)
    res, stop = run_script("raw", cmd, timeout, ctx["env"], first_signal=signal.SIGTERM)
    levels = {}
    for lv in res["closed_loop"]:
        levels[lv["concurrency"]] = dict(norm_level(lv), source="closed loop, THROUGHPUT hint, "
                                         f"{lv['infer_requests']} infer requests")
    if 1 in levels:                       # c=1: the LATENCY hint's synchronous loop is raw's best
        lb = res["latency_b1"]
        levels[1] = dict(norm_level({"concurrency": 1, "requests_per_s": lb["images_per_s"],
                                     "latency_ms": lb["latency_ms"], "requests_ok": lb["calls"]}),
                         source="LATENCY hint, synchronous infer (ov_raw.py latency_b1)",
                         closed_loop_throughput_hint=norm_level(res["closed_loop"][a.concurrency.index(1)]))
    tb = res["throughput_b1"]
    return {"label": "raw", "levels": levels, "ceiling_images_per_s": tb["images_per_s"],
            "ceiling": {"images_per_s": tb["images_per_s"], "infer_requests": tb["infer_requests"],
                        "latency_ms": tb["latency_ms"], "properties": tb["properties"]},
            "latency_b1": res["latency_b1"], "openvino": res["openvino"], "cpu": res["cpu"], "stop": stop}


# ---------------------------------------------------------------- Playhead

def playhead_has_serve(binary):
    if not os.access(binary, os.X_OK):
        return False
    try:   # an unknown subcommand's --help prints the top-level help, so look for its usage line
        r = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and re.search(r"USAGE: playhead serve\b", r.stdout + r.stderr) is not None


def ensure_playhead(a):
    if playhead_has_serve(a.playhead_bin):
        return
    why = "missing" if not os.path.exists(a.playhead_bin) else "has no serve subcommand"
    if a.no_build:
        raise BenchError(f"{a.playhead_bin} {why} (and --no-build)")
    log(f"{a.playhead_bin} {why}: swift build -c release --product playhead")
    t0 = time.time()
    r = subprocess.run(["swift", "build", "-c", "release", "--product", "playhead"], cwd=REPO)
    if r.returncode != 0:
        raise BenchError(f"swift build failed with status {r.returncode}")
    log(f"built in {time.time() - t0:.0f} s")
    if not playhead_has_serve(a.playhead_bin):
        raise BenchError(f"{a.playhead_bin} still has no serve subcommand after the build")


def playhead_yaml(a):
    return ("# written by bench/serve_bench.py\n"
            "server:\n"
            "  host: 127.0.0.1\n"
            "deployments:\n"
            f"  - name: {a.playhead_model}\n"
            f"    model: {MODEL_NAME}\n"
            f"    replicas: {a.replicas}\n"
            f"    max_ongoing_requests: {a.max_ongoing_requests}\n"
            f"    max_queued_requests: {a.max_queued_requests}\n"
            "    batching:\n"
            f"      max_batch_size: {a.max_batch_size}\n"
            f"      max_wait_ms: {a.max_wait_ms:g}\n"
            f"    hint: {a.hint}\n"
            + (f"    precision: {a.precision}\n" if a.precision else "")
            + (f"    threads: {a.threads}\n" if a.threads else "")
            + (f"    infer_requests: {a.infer_requests}\n" if a.infer_requests else "")
            + ("    input_shapes:\n" + "".join(f"      {n}: [{', '.join(d)}]\n" for n, d in a.input_shape)
               if a.input_shape else ""))


def deployment_name(yaml_text):
    """The first deployment's name in a YAML config (a plain-text look, enough for our configs)."""
    m = re.search(r"^deployments:\s*$(.*)", yaml_text, re.M | re.S)
    n = re.search(r"^\s*-?\s*name:\s*[\"']?([^\"'\s#]+)", m.group(1) if m else "", re.M)
    return n.group(1) if n else None


def wait_ready(child, url, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if not child.alive():
            raise BenchError(f"{child.name} exited with {child.proc.returncode} before it was ready; log tail:\n  "
                             + "\n  ".join(child.log_tail()))
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return round(time.time() - t0, 2)
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.25)
    raise BenchError(f"{url} not ready after {timeout:.0f} s; log tail:\n  " + "\n  ".join(child.log_tail()))


def run_playhead(a, ctx):
    ensure_playhead(a)
    if a.playhead_config:
        config_path = os.path.abspath(a.playhead_config)
        with open(config_path) as f:
            text = f.read()
        model = a.playhead_model_set or deployment_name(text) or a.playhead_model
    else:
        text = playhead_yaml(a)
        config_path = os.path.join(CACHE, "playhead-serve.yaml")
        with open(config_path, "w") as f:
            f.write(text)
        model = a.playhead_model
    port = a.playhead_port or free_port()
    base = f"http://127.0.0.1:{port}"
    before = listening_ports()
    if port in before:
        raise BenchError(f"port {port} is already in use")
    env = dict(ctx["env"], PLAYHEAD_MODELS=ctx["models_root"])
    child = Child("playhead", [a.playhead_bin, "serve", "--config", config_path, "--port", str(port)],
                  os.path.join(CACHE, "logs", "playhead.log"), env=env, cwd=REPO)
    res = {"label": "playhead", "config_path": config_path, "config": text, "url": base, "model_name": model}
    try:
        res["ready_s"] = wait_ready(child, f"{base}/v2/health/ready", a.ready_timeout)
        log(f"playhead ready in {res['ready_s']} s on {base}")
        load = [ctx["peers_py"], os.path.join(a.peers, "kserve_load.py"), "--url", base, "--model", model]
        if a.check:              # outputs vs local OpenVINO (+ tritonclient when the MLServer venv has it)
            py = ctx["mlserver_py"] if os.path.exists(ctx["mlserver_py"]) else ctx["peers_py"]
            try:
                res["check"], _ = run_script("playhead-check", [py, *load[1:], "--check", "--ref-model", ctx["model"]],
                                             300, ctx["env"], first_signal=signal.SIGTERM, check_ports=False)
            except BenchError as e:
                res["check"] = {"error": str(e)}
            res["check_summary"] = check_summary(res["check"])
            log(f"playhead check: {res['check_summary']}")
        cmd = load + ["--body", "binary", "--max-seconds", str(a.seconds), "--max-requests",
                      str(ctx["max_requests"]), "--concurrency", *map(str, a.concurrency)]
        t_limit = len(a.concurrency) * (a.seconds + 60) + 60
        out, _ = run_script("playhead-load", cmd, t_limit, ctx["env"], first_signal=signal.SIGTERM, check_ports=False)
        run = out["runs"][0]
        res["preflight"] = run["preflight"]
        if run.get("skipped"):
            raise BenchError(f"playhead binary preflight failed: {run['preflight']}")
        res["levels"] = {lv["concurrency"]: dict(norm_level(lv), error_kinds=lv.get("error_kinds"),
                                                 first_error=lv.get("first_error"))
                         for lv in run["levels"]}
        res["body_bytes"] = run["body_bytes"]
        if not child.alive():
            raise BenchError(f"playhead exited with {child.proc.returncode} during the load")
    except BaseException:
        res["log_tail"] = child.log_tail()
        raise
    finally:
        res["stop"] = child.stop(first=signal.SIGTERM, grace=15)
        busy = wait_ports_free([port], before)
        if busy:
            raise BenchError(f"playhead: ports {busy} still listening after stop")
    return res


def check_summary(chk):
    if "error" in chk:
        return "check failed: " + chk["error"].splitlines()[0][:300]
    parts = []
    for kind, info in chk.get("bodies", {}).items():
        parts.append(f"{kind} {info.get('status')} {info.get('per_request_check', info.get('error', ''))[:80]}")
    for k, v in chk.get("local_openvino", {}).items():
        if k.startswith("vs_"):
            parts.append(f"{k} max_abs_diff {v.get('max_abs_diff')}")
    tc = chk.get("tritonclient", {})
    if "encoder_matches_tritonclient" in tc:
        parts.append(f"tritonclient binary {tc.get('binary', {}).get('ok')} json {tc.get('json', {}).get('ok')}")
    return "; ".join(parts)


# ---------------------------------------------------------------- Ray Serve, MLServer

def run_ray(a, ctx):
    port = a.ray_port or free_port()
    cmd = [ctx["peers_py"], os.path.join(a.peers, "serve_ray.py"), "--model", ctx["model"], "--port", str(port),
           "--hint", a.ray_hint, "--bodies", a.ray_body, "--max-seconds", str(a.seconds),
           "--max-requests", str(ctx["max_requests"]), "--concurrency", *map(str, a.concurrency)]
    timeout = a.ready_timeout + len(a.concurrency) * (a.seconds + 60) + 60
    res, stop = run_script("ray", cmd, timeout, ctx["env"], ports=[port])
    run = res["runs"][0]
    return {"label": f"ray ({a.ray_hint.lower()}, {a.ray_body} body)", "ray": res.get("ray"), "hint": res.get("hint"),
            "serve_batch": res.get("serve_batch"), "startup_s": res.get("startup_s"),
            "body": run.get("body"), "body_bytes": run.get("body_bytes"),
            "replica_stats": res.get("replica_stats"), "wall_s": res.get("wall_s"), "stop": stop,
            "levels": {lv["concurrency"]: norm_level(lv) for lv in run["levels"]}}


def run_mlserver(a, ctx):
    cmd = [ctx["mlserver_py"], os.path.join(a.peers, "serve_mlserver.py"), "--model", ctx["model"],
           "--hint", a.mlserver_hint, "--configs", *a.mlserver_configs, "--workers", *map(str, a.mlserver_workers),
           "--bodies", "json", "--max-seconds", str(a.seconds), "--max-requests", str(ctx["max_requests"]),
           "--concurrency", *map(str, a.concurrency)]
    n = len(a.mlserver_configs) * len(a.mlserver_workers)
    timeout = n * (a.ready_timeout + len(a.concurrency) * (a.seconds + 60)) + 300
    res, stop = run_script("mlserver", cmd, timeout, ctx["env"])
    out = []
    for cfg in res["configs"]:
        run = cfg["runs"][0]
        if run.get("skipped"):
            raise BenchError(f"mlserver {cfg['config']}: {run['skipped']}: {run.get('preflight')}")
        item = {"label": f"mlserver ({cfg['config']}, workers {cfg['parallel_workers']}, json)",
                "config": cfg["config"], "parallel_workers": cfg["parallel_workers"],
                "startup_s": cfg.get("startup_s"), "shutdown": cfg.get("shutdown"),
                "server_log_errors": cfg.get("server_log_errors"), "body_bytes": run.get("body_bytes"),
                "levels": {lv["concurrency"]: norm_level(lv) for lv in run["levels"]}}
        if "check" in cfg:
            item["check_summary"] = check_summary(cfg["check"])
        out.append(item)
    return out, {"mlserver": res.get("mlserver"), "openvino": res.get("openvino"), "wall_s": res.get("wall_s"),
                 "stop": stop}


# ---------------------------------------------------------------- model

def ensure_model(a, ctx):
    """The repo's model file (installing it with `playhead models pull` when missing, or falling back to
    get_model.py), its sha256, and whether get_model.py's bytes are the same."""
    info = {}
    path = a.model or os.path.join(ctx["models_root"], MODEL_NAME, MODEL_VERSION, MODEL_FILE)
    if not os.path.exists(path) and not a.model and os.access(a.playhead_bin, os.X_OK):
        log(f"{path} missing: playhead models pull {MODEL_NAME}")
        subprocess.run([a.playhead_bin, "models", "pull", MODEL_NAME], cwd=REPO,
                       env=dict(os.environ, PLAYHEAD_MODELS=ctx["models_root"]))
    peer_dir = os.path.join(CACHE, "get_model")
    peer_copy = os.path.join(peer_dir, MODEL_FILE)
    if not os.path.exists(peer_copy) and (not a.skip_model_check or not os.path.exists(path)):
        log("peers/get_model.py (pip download nudenet, extract 320n.onnx) for the sha256 comparison")
        r = subprocess.run([ctx["peers_py"], os.path.join(a.peers, "get_model.py"), "--out", peer_dir],
                           capture_output=True, text=True)
        if r.returncode != 0:
            info["get_model_error"] = r.stderr[-500:]
            log(f"get_model.py failed: {r.stderr[-300:]}")
    if not os.path.exists(path):
        if a.model or not os.path.exists(peer_copy):
            raise BenchError(f"model {path} missing (run `make test` or `.build/release/playhead models pull "
                             f"{MODEL_NAME}`)")
        log(f"{path} missing: using get_model.py's copy {peer_copy}")
        path = peer_copy
    info.update(path=path, bytes=os.path.getsize(path), sha256=sha256_file(path))
    manifest = os.path.join(os.path.dirname(path), "manifest.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            info["manifest_sha256"] = json.load(f).get("file_sha256")
    if os.path.exists(peer_copy):
        info["get_model_sha256"] = sha256_file(peer_copy)
        info["same_as_get_model"] = info["get_model_sha256"] == info["sha256"]
        if not info["same_as_get_model"]:
            log(f"WARNING: {path} differs from get_model.py's 320n.onnx ({info['get_model_sha256'][:12]}...)")
    return info


# ---------------------------------------------------------------- summary

def median_levels(rounds):
    """[{c: level}] per round -> {c: median level, with the per-round req/s and the spread}."""
    out = {}
    for c in sorted({c for r in rounds for c in r}):
        lvs = [r[c] for r in rounds if c in r]
        med = {"concurrency": c}
        for k in ("requests_per_s", "p50", "p95", "p99", "mean"):
            vals = [lv[k] for lv in lvs if lv.get(k) is not None and lv[k] == lv[k]]   # drop NaN
            med[k] = round(statistics.median(vals), 2) if vals else None
        med["errors"] = sum(lv.get("errors") or 0 for lv in lvs)
        med["rounds_requests_per_s"] = [lv["requests_per_s"] for lv in lvs]
        rps = med["rounds_requests_per_s"]
        med["spread_pct"] = round(100 * (max(rps) - min(rps)) / med["requests_per_s"], 1) \
            if len(rps) > 1 and med["requests_per_s"] else None
        batches = [lv["mean_server_batch"] for lv in lvs if lv.get("mean_server_batch")]
        med["mean_server_batch"] = round(statistics.median(batches), 2) if batches else None
        out[c] = med
    return out


def ratio(x, y):
    return round(x / y, 3) if x is not None and y else None


def paired_rounds(results, c):
    """Playhead / raw at concurrency c round by round: the two run within a minute of each other, so
    these ratios move less with the host's speed than the ratio of medians does."""
    raw = next(iter(results.get("raw", {}).values()), [])
    ph = next(iter(results.get("playhead", {}).values()), [])
    if len(raw) != len(ph):                       # a failed round: the pairs would not line up
        return []
    return [{"requests_per_s": ratio(p[c]["requests_per_s"], r[c]["requests_per_s"]), "p99": ratio(p[c]["p99"], r[c]["p99"])}
            for r, p in zip(raw, ph) if c in r and c in p]


def summarize(a, results):
    """Median rows per contender variant, ratios and targets."""
    rows = {}                                   # label -> {"kind", "levels"}
    for name in CONTENDERS:
        for label, rounds in results.get(name, {}).items():
            rows[label] = {"kind": name, "levels": median_levels(rounds)}
    raw = next((r for r in rows.values() if r["kind"] == "raw"), None)
    ph = next((r for r in rows.values() if r["kind"] == "playhead"), None)
    peers = {label: r for label, r in rows.items() if r["kind"] in ("ray", "mlserver")}
    ceiling = statistics.median(results["raw_ceiling"]) if results.get("raw_ceiling") else None
    for r in rows.values():
        r["vs_raw"] = {c: ratio(lv["requests_per_s"], raw["levels"].get(c, {}).get("requests_per_s"))
                       for c, lv in r["levels"].items()} if raw else {}
    C = 32
    best_label, best = None, None
    for label, r in peers.items():
        v = r["levels"].get(C, {}).get("requests_per_s")
        if v is not None and (best is None or v > best):
            best_label, best = label, v
    ph_at = lambda c, k: ph["levels"].get(c, {}).get(k) if ph else None
    raw_at = lambda c, k: raw["levels"].get(c, {}).get(k) if raw else None
    raw_c32 = max([v for v in (ceiling, raw_at(C, "requests_per_s")) if v is not None], default=None)
    ratios = {"playhead_vs_raw": ph["vs_raw"] if ph else None,
              "playhead_c32_vs_raw_ceiling": ratio(ph_at(C, "requests_per_s"), ceiling),
              "playhead_c32_vs_raw_c32": ratio(ph_at(C, "requests_per_s"), raw_c32),
              "raw_c32_requests_per_s": raw_c32,
              "playhead_c32_vs_best_peer": ratio(ph_at(C, "requests_per_s"), best),
              "best_peer_c32": best_label, "raw_ceiling_images_per_s": ceiling,
              "c32_rounds": paired_rounds(results, C)}
    targets = []

    def target(name, value, limit, ok_if, detail, c):
        errors = ph_at(c, "errors")
        if value is None or limit is None:
            targets.append({"target": name, "result": "SKIP", "detail": detail + " (no data)"})
        else:               # figures of a server that failed requests don't count
            ok = (value >= limit if ok_if == ">=" else value <= limit) and not errors
            if errors:
                detail += f" ({errors} failed requests at c={c})"
            targets.append({"target": name, "result": "PASS" if ok else "FAIL", "value": value,
                            "limit": round(limit, 3), "detail": detail})

    r = ratios["playhead_c32_vs_raw_c32"]
    target("playhead req/s >= 0.9x raw at c=32", r, 0.9, ">=",
           f"playhead {ph_at(C, 'requests_per_s')} req/s / raw {raw_c32} (the higher of the THROUGHPUT ceiling "
           f"{ceiling} img/s and the 32-client closed loop {raw_at(C, 'requests_per_s')} req/s)", C)
    r = ratios["playhead_c32_vs_best_peer"]
    target("playhead req/s >= 1.5x best of Ray Serve, MLServer at c=32", r, 1.5, ">=",
           f"playhead {ph_at(C, 'requests_per_s')} req/s / {best_label} {best} req/s", C)
    lim = raw_at(1, "p50") + 1.5 if raw_at(1, "p50") is not None else None
    target("playhead p50 at c=1 <= raw p50 + 1.5 ms", ph_at(1, "p50"), lim, "<=",
           f"playhead p50 {ph_at(1, 'p50')} ms vs raw LATENCY p50 {raw_at(1, 'p50')} ms + 1.5 ms", 1)
    target("playhead p99 at c=32 <= raw p99 at c=32", ph_at(C, "p99"), raw_at(C, "p99"), "<=",
           f"playhead p99 {ph_at(C, 'p99')} ms vs raw closed-loop (32 clients) p99 {raw_at(C, 'p99')} ms", C)
    return rows, ratios, targets


def fmt(v, width, prec=1):
    if v is None or v != v:
        return "-".rjust(width)
    return f"{v:.{prec}f}".rjust(width)


def print_report(a, rows, ratios, targets, failures):
    label_w = max([len(lb) for lb in rows] + [10])
    spread = a.rounds > 1
    head = f"{'contender':<{label_w}}  {'c':>3}  {'req/s':>8}  {'p50 ms':>8}  {'p95 ms':>8}  {'p99 ms':>8}  " \
           f"{'vs raw':>7}  {'batch':>5}  {'err':>4}" + ("  spread" if spread else "")
    print()
    print(head)
    print("-" * len(head))
    for label, r in rows.items():
        for c, lv in r["levels"].items():
            line = (f"{label:<{label_w}}  {c:>3}  {fmt(lv['requests_per_s'], 8)}  {fmt(lv['p50'], 8, 2)}  "
                    f"{fmt(lv['p95'], 8, 2)}  {fmt(lv['p99'], 8, 2)}  {fmt(r['vs_raw'].get(c), 7, 2)}  "
                    f"{fmt(lv.get('mean_server_batch'), 5, 2)}  {lv['errors']:>4}")
            if spread:
                line += f"  {fmt(lv['spread_pct'], 5)}%"
            print(line)
    print()
    if ratios["raw_ceiling_images_per_s"] is not None:
        print(f"raw rows: c=1 LATENCY hint synchronous infer (ov_raw.py latency_b1); c>1 a closed loop of c "
              f"in-process clients over the THROUGHPUT model. raw THROUGHPUT ceiling (ov_raw.py throughput_b1): "
              f"{ratios['raw_ceiling_images_per_s']} images/s.")
    print(f"playhead at c=32 / raw THROUGHPUT ceiling: {ratios['playhead_c32_vs_raw_ceiling']}; "
          f"/ raw at c=32 (higher of ceiling and closed loop): {ratios['playhead_c32_vs_raw_c32']}")
    print(f"playhead / best of Ray Serve, MLServer at c=32 ({ratios['best_peer_c32']}): "
          f"{ratios['playhead_c32_vs_best_peer']}")
    if a.rounds > 1:
        print(f"figures are medians over {a.rounds} rounds; spread = (max - min) / median of req/s")
    if ratios["c32_rounds"]:
        print("playhead / raw closed loop at c=32, round by round: req/s "
              + " ".join(fmt(r["requests_per_s"], 0, 2) for r in ratios["c32_rounds"]) + "; p99 "
              + " ".join(fmt(r["p99"], 0, 2) for r in ratios["c32_rounds"]))
    print()
    for t in targets:
        print(f"{t['result']:<4}  {t['target']}: {t['detail']}")
    for f in failures:
        print(f"ERROR {f['contender']} (round {f['round']}): {f['error'].splitlines()[0][:300]}")


# ---------------------------------------------------------------- main

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--seconds", type=float, default=20, help="measured seconds per concurrency level (default 20)")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--only", default=",".join(CONTENDERS), help="comma list of raw,playhead,ray,mlserver")
    ap.add_argument("--rounds", type=int, default=1, help="run all contenders this many times, alternating")
    ap.add_argument("--peers", default=os.path.normpath(os.path.join(REPO, "..", "shared", "bench", "peers")))
    ap.add_argument("--json-out", default=os.path.join(CACHE, "serve.json"))
    ap.add_argument("--model", help="ONNX file (default: $PLAYHEAD_MODELS or <repo>/models, "
                                    f"{MODEL_NAME}/{MODEL_VERSION}/{MODEL_FILE})")
    ap.add_argument("--max-requests", type=int, default=0,
                    help="cap per level (default: 1000 per second of --seconds, at least 2000)")
    ap.add_argument("--ready-timeout", type=float, default=180, help="seconds a server may take to become ready")
    ap.add_argument("--setup-only", action="store_true", help="create the venvs, check the model, stop")
    ap.add_argument("--skip-model-check", action="store_true", help="don't run get_model.py for the sha256 check")
    g = ap.add_argument_group("playhead")
    g.add_argument("--playhead-bin", default=os.path.join(REPO, ".build", "release", "playhead"))
    g.add_argument("--no-build", action="store_true", help="never run swift build")
    g.add_argument("--playhead-config", help="use this YAML instead of writing one (the flags below are ignored)")
    g.add_argument("--playhead-port", type=int, default=0, help="default: a free port")
    g.add_argument("--playhead-model", dest="playhead_model_set", default=None,
                   help="deployment (KServe model) name (default: nudenet, or the config's first deployment)")
    g.add_argument("--replicas", type=int, default=1)
    g.add_argument("--max-ongoing-requests", type=int, default=64)
    g.add_argument("--max-queued-requests", type=int, default=1024)
    g.add_argument("--max-batch-size", type=int, default=8)
    g.add_argument("--max-wait-ms", type=float, default=2)
    g.add_argument("--hint", default="adaptive", choices=["adaptive", "throughput", "latency"])
    g.add_argument("--precision", choices=["f32", "bf16"], help="default: not set (the CPU's best)")
    g.add_argument("--threads", type=int, default=0, help="default: not set")
    # Measured default: a static shape compiles to a faster CPU graph than a dynamic batch axis.
    g.add_argument("--infer-requests", type=int, default=0,
                   help="default 0: not set, i.e. playhead's own default (two per OpenVINO stream)")
    g.add_argument("--input-shape", action="append", default=None, metavar="NAME=DIMS",
                   help="repeatable; default images=1,3,320,320; 'none' leaves the model's own (dynamic) shape")
    g.add_argument("--no-check", dest="check", action="store_false",
                   help="skip kserve_load.py --check (outputs vs local OpenVINO) before the load")
    g = ap.add_argument_group("peers")
    g.add_argument("--ray-hint", default="LATENCY", choices=["LATENCY", "THROUGHPUT"])
    g.add_argument("--ray-body", default="raw", choices=["raw", "jpeg", "json-raw", "json-jpeg"],
                   help="raw = 320x320 RGB uint8 bytes (the least decoding; default)")
    g.add_argument("--ray-port", type=int, default=0)
    g.add_argument("--mlserver-configs", nargs="+", default=["batch8"], choices=["batch8", "nobatch"])
    g.add_argument("--mlserver-workers", type=int, nargs="+", default=[0])
    g.add_argument("--mlserver-hint", default="LATENCY", choices=["LATENCY", "THROUGHPUT"])
    a = ap.parse_args()
    a.only = [s.strip() for s in a.only.split(",") if s.strip()]
    bad = [s for s in a.only if s not in CONTENDERS]
    if bad:
        ap.error(f"--only: unknown {bad}; choose from {','.join(CONTENDERS)}")
    a.peers = os.path.abspath(a.peers)
    a.playhead_model = a.playhead_model_set or "nudenet"
    try:
        specs = a.input_shape if a.input_shape is not None else ["images=1,3,320,320"]
        specs = [] if specs == ["none"] else specs
        a.input_shape = [(n.strip(), [str(int(d)) for d in dims.split(",")])
                         for n, dims in (spec.split("=", 1) for spec in specs)]
    except ValueError:
        ap.error("--input-shape: expected NAME=D0,D1,... with integer dims, e.g. images=-1,3,320,320")
    if a.seconds <= 0 or a.rounds < 1 or any(c < 1 for c in a.concurrency):
        ap.error("--seconds, --rounds and --concurrency must be positive")
    return a


def main():
    a = parse_args()
    os.makedirs(CACHE, exist_ok=True)
    for f in ("ov_raw.py", "ovmodel.py", "kserve_load.py", "load.py", "serve_ray.py", "serve_mlserver.py", "get_model.py"):
        if not os.path.exists(os.path.join(a.peers, f)):
            raise BenchError(f"{a.peers}/{f} missing (--peers)")
    shared = os.path.dirname(a.peers)
    report = {"started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
              "host": {"cores": os.cpu_count(), "machine": platform.machine(), "cpu": cpu_name()},
              "args": {k: v for k, v in vars(a).items()}, "setup": []}
    need_peers = True                     # raw, ray and the load generators all run in peers-venv
    need_mlserver = "mlserver" in a.only or a.setup_only
    if need_peers:
        report["setup"].append(ensure_venv(os.path.join(CACHE, "peers-venv"), os.path.join(shared, "requirements.txt")))
    if need_mlserver:
        report["setup"].append(ensure_venv(os.path.join(CACHE, "mlserver-venv"),
                                           os.path.join(shared, "requirements-mlserver.txt")))
    peers_py = os.path.join(CACHE, "peers-venv", "bin", "python")
    mlserver_py = os.path.join(CACHE, "mlserver-venv", "bin", "python")
    report["versions"] = {"peers-venv": venv_versions(peers_py, ["openvino", "ray", "aiohttp", "numpy", "orjson"])}
    if os.path.exists(mlserver_py):
        report["versions"]["mlserver-venv"] = venv_versions(mlserver_py, ["mlserver", "openvino", "aiohttp", "orjson",
                                                                          "tritonclient", "uvloop"])
    models_root = os.environ.get("PLAYHEAD_MODELS") or os.path.join(REPO, "models")
    ctx = {"peers_py": peers_py, "mlserver_py": mlserver_py, "models_root": os.path.abspath(models_root)}
    report["model"] = ensure_model(a, ctx)
    ctx["model"] = report["model"]["path"]
    ctx["env"] = dict(os.environ, BENCH_MODELS=os.path.dirname(ctx["model"]), RAY_USAGE_STATS_ENABLED="0")
    ctx["max_requests"] = a.max_requests or max(2000, int(a.seconds * 1000))
    log(f"model {ctx['model']} sha256 {report['model']['sha256'][:16]}... "
        f"same as get_model.py: {report['model'].get('same_as_get_model', 'not checked')}")
    if a.setup_only:
        write_json(a.json_out, report)
        log(f"setup done; wrote {a.json_out}")
        return 0

    results = {"raw_ceiling": []}
    details, failures = [], []
    for rnd in range(1, a.rounds + 1):
        for name in (c for c in CONTENDERS if c in a.only):
            load1 = loadavg()
            log(f"round {rnd}/{a.rounds}: {name} (load average {load1})")
            if load1 is not None and load1 > 0.5 * (os.cpu_count() or 1):
                log(f"note: the machine is busy before {name} (load average {load1}): figures will be noisy")
            t0 = time.time()
            try:
                if name == "raw":
                    res = run_raw(a, ctx)
                    results["raw_ceiling"].append(res["ceiling_images_per_s"])
                    items = [res]
                elif name == "playhead":
                    items = [run_playhead(a, ctx)]
                elif name == "ray":
                    items = [run_ray(a, ctx)]
                else:
                    items, meta = run_mlserver(a, ctx)
                    details.append({"round": rnd, "contender": "mlserver-run", **meta})
            except BenchError as e:
                log(f"{name} FAILED: {e}")
                failures.append({"round": rnd, "contender": name, "error": str(e)})
                continue
            for it in items:
                results.setdefault(name, {}).setdefault(it["label"], []).append(it["levels"])
                details.append({"round": rnd, "contender": name, "wall_s": round(time.time() - t0, 1),
                                "load_average_before": load1, **it})
            time.sleep(1)                     # let the CPUs settle before the next contender
    rows, ratios, targets = summarize(a, results)
    report.update(rows=rows, ratios=ratios, targets=targets, failures=failures, runs=details,
                  finished=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                  wall_s=round(time.time() - T0, 1))
    print_report(a, rows, ratios, targets, failures)
    write_json(a.json_out, report)
    print(f"\nJSON: {a.json_out}")
    if failures:
        return 1
    return 2 if any(t["result"] == "FAIL" for t in targets) else 0


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def write_json(path, obj):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, default=str)
    os.replace(tmp, path)


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)    # also when started in the background
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    code = 1
    try:
        code = main()
    except KeyboardInterrupt:
        log("interrupted: stopping children")
        code = 130
    except BenchError as e:
        log(f"error: {e}")
        code = 1
    finally:
        stop_all()
    sys.exit(code)
