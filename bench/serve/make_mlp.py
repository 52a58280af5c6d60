#!/usr/bin/env python3
"""Write the small ONNX MLP of keel's batching bench (bench/serve.mjs):

    python3 bench/serve/make_mlp.py <out.onnx> [d_in] [hidden] [d_out]

Graph: x float32 [N, d_in] → Gemm(W1 [d_in, hidden], b1) → Relu → Gemm(W2 [hidden, d_out], b2)
→ Softmax(axis=1) → probabilities [N, d_out]. Weights are deterministic (numpy seed 20170428,
scaled by 1/sqrt(fan_in)); opset 13, IR version 8 (what onnxruntime-node 1.30 reads).
Defaults: d_in 32, hidden 1024, d_out 10 (about 44k parameters).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    d_in, hidden, d_out = (int(a) for a in (sys.argv[2:5] + ["32", "1024", "10"][len(sys.argv[2:5]):]))
    rng = np.random.default_rng(20170428)
    w1 = (rng.standard_normal((d_in, hidden)) / np.sqrt(d_in)).astype(np.float32)
    b1 = (rng.standard_normal(hidden) * 0.01).astype(np.float32)
    w2 = (rng.standard_normal((hidden, d_out)) / np.sqrt(hidden)).astype(np.float32)
    b2 = (rng.standard_normal(d_out) * 0.01).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="dense1"),
        helper.make_node("Relu", ["h"], ["a"], name="relu"),
        helper.make_node("Gemm", ["a", "W2", "b2"], ["logits"], name="dense2"),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", d_in])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", d_out])],
        [numpy_helper.from_array(w1, "W1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "W2"), numpy_helper.from_array(b2, "b2")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="keel-bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)
    print(f"wrote {out}: MLP {d_in} -> {hidden} -> {d_out}, {w1.size + b1.size + w2.size + b2.size} parameters", file=sys.stderr)


if __name__ == "__main__":
    main()
