#!/usr/bin/env python3
"""OpenVINO's own Python API on one model: batch-1 latency and pooled throughput, printed as JSON.

The peer of `playhead bench inference`: same model file, same input bytes, same hints and iteration
counts, so the difference between the two is the cost of Playhead's Swift layer.
"""
import argparse
import json
import time

import numpy as np
import openvino as ov


def percentile(sorted_values, q):
    """Nearest-rank percentile of an already sorted list (the same rule the Swift side uses)."""
    index = min(len(sorted_values) - 1, max(0, int(round(q / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[index]


def compile_model(core, args, hint):
    model = core.read_model(args.model)
    shape = [int(d) for d in args.shape.split(",")]
    if model.is_dynamic():
        model.reshape({0: shape})
    config = {"PERFORMANCE_HINT": hint}
    if args.precision != "default":
        config["INFERENCE_PRECISION_HINT"] = args.precision
    return model, core.compile_model(model, args.device, config)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--shape", required=True, help="input shape, e.g. 1,3,320,320")
    parser.add_argument("--input", required=True, help="raw little-endian f32 input file")
    parser.add_argument("--device", default="CPU")
    parser.add_argument("--precision", default="default", choices=["default", "f32", "bf16"])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--duration-s", type=float, default=3.0)
    parser.add_argument("--requests", type=int, default=0, help="throughput requests; 0 = optimal")
    args = parser.parse_args()

    core = ov.Core()
    shape = [int(d) for d in args.shape.split(",")]
    data = np.fromfile(args.input, dtype="<f4").reshape(shape)

    # Latency: one request, LATENCY hint, synchronous infer; outputs copied (share_outputs=False default).
    _, compiled = compile_model(core, args, "LATENCY")
    precision = compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()
    request = compiled.create_infer_request()
    for _ in range(args.warmup):
        request.infer({0: data})
    samples = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        request.infer({0: data})
        samples.append((time.perf_counter() - start) * 1000.0)
    samples.sort()

    # Throughput: THROUGHPUT hint, AsyncInferQueue of the optimal number of requests kept full for a
    # fixed duration; each completion copies its outputs, as the Swift side does.
    _, compiled = compile_model(core, args, "THROUGHPUT")
    jobs = args.requests or compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")
    queue = ov.AsyncInferQueue(compiled, jobs)
    completed = [0]

    def on_done(request, _userdata):
        for index in range(len(compiled.outputs)):
            request.get_output_tensor(index).data.copy()
        completed[0] += 1

    queue.set_callback(on_done)
    for _ in range(jobs * 2):
        queue.start_async({0: data})
    queue.wait_all()
    completed[0] = 0
    start = time.perf_counter()
    deadline = start + args.duration_s
    while time.perf_counter() < deadline:
        queue.start_async({0: data})
    queue.wait_all()
    elapsed = time.perf_counter() - start

    print(json.dumps({
        "openvino": ov.get_version(),
        "precision": precision,
        "latency_ms": {"p50": percentile(samples, 50), "p95": percentile(samples, 95),
                       "mean": sum(samples) / len(samples), "iterations": len(samples)},
        "throughput": {"per_s": completed[0] / elapsed, "completed": completed[0],
                       "seconds": elapsed, "requests": jobs},
    }))


if __name__ == "__main__":
    main()
