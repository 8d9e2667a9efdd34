"""Wall-clock timing of a command, shared by the benchmarks that run `playhead analyze`."""
import os
import shutil
import subprocess
import time


def timed(command, repeat=1, fresh_store=None):
    """The fastest of `repeat` runs of `command`: its wall seconds and what it wrote to stderr. With
    `fresh_store` (a folder), each run gets an empty feature store there (`--store`): playhead memoizes, so a
    second run on the same store would time reading results back, not computing them."""
    best, best_stderr = float("inf"), ""
    for _ in range(repeat):
        store = []
        if fresh_store:
            shutil.rmtree(fresh_store, ignore_errors=True)
            os.makedirs(fresh_store)
            store = ["--store", os.path.join(fresh_store, "playhead.db")]
        start = time.perf_counter()
        stderr = subprocess.run(command + store, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
        seconds = time.perf_counter() - start
        if seconds < best:
            best, best_stderr = seconds, stderr
    return best, best_stderr
