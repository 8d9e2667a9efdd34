#!/usr/bin/env python3
"""Reference inference with OpenVINO's own Python API, for checking Playhead's Swift results.

Reads each input as raw little-endian f32 from a file, runs one synchronous inference and writes
every output as raw little-endian f32 to --out-dir; prints a JSON description of the outputs.

  ov_reference.py --model M.onnx --input 1,3,320,320=in0.f32 [--input ...] --out-dir DIR [--precision f32]
"""
import argparse
import json
import os

import numpy as np
import openvino as ov


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--input", action="append", required=True, help="SHAPE=FILE, in model input order")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--precision", default="f32", choices=["default", "f32", "bf16"])
    parser.add_argument("--device", default="CPU")
    args = parser.parse_args()

    inputs = []
    for spec in args.input:
        shape_text, path = spec.split("=", 1)
        shape = [int(d) for d in shape_text.split(",")]
        inputs.append(np.fromfile(path, dtype="<f4").reshape(shape))

    core = ov.Core()
    model = core.read_model(args.model)
    if model.is_dynamic():
        model.reshape({index: list(data.shape) for index, data in enumerate(inputs)})
    config = {"PERFORMANCE_HINT": "LATENCY"}
    if args.precision != "default":
        config["INFERENCE_PRECISION_HINT"] = args.precision
    compiled = core.compile_model(model, args.device, config)
    results = compiled.create_infer_request().infer({index: data for index, data in enumerate(inputs)})

    os.makedirs(args.out_dir, exist_ok=True)
    outputs = []
    for index, port in enumerate(compiled.outputs):
        value = np.ascontiguousarray(results[port], dtype="<f4")
        path = os.path.join(args.out_dir, f"output{index}.f32")
        value.tofile(path)
        outputs.append({"name": port.any_name, "shape": list(value.shape), "file": path})
    print(json.dumps({"precision": str(compiled.get_property("INFERENCE_PRECISION_HINT")), "outputs": outputs}))


if __name__ == "__main__":
    main()
