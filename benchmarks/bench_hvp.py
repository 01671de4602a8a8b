"""Time a Hessian-vector product: the CS231n 2-layer spiral net (300x2 -> 100 ReLU -> 3, softmax
cross-entropy + L2), H v with respect to all four parameters, against a hand-written numpy R-op.

Run from the repository root::

    python benchmarks/bench_hvp.py              # about ten seconds
    python benchmarks/bench_hvp.py --quick      # a second, noisier
    python benchmarks/bench_hvp.py --threads 1  # BLAS and PyTorch on one thread (steadier on a busy machine)

The numpy baseline is Pearlmutter's R{} technique written out by hand: one forward pass carrying the
directional derivative ``R{.}`` of every intermediate along ``v`` next to its value, then the backward
pass with the R{} of every gradient (ReLU'' = 0, so the ReLU mask passes R{} through unchanged). It
costs about two forward and two backward passes, as the engine's ``autograd.hvp`` does (a backward with
``create_graph=True``, then a backward of ``sum(grad * v)``), but with no graph, no Tensors and every
product fused by hand.

Before timing, every implementation computes H v at the same point and the results are compared, and
the R-op itself is checked against central differences of the numpy gradient along ``v``. Times are the
best of interleaved rounds (see bench_engine.py, whose timing and agreement helpers are reused). PyTorch
(CPU, eager), when importable, runs the same double backward
(``torch.autograd.grad(..., create_graph=True)`` then ``torch.autograd.grad`` of ``sum(g * v)``), which
is what ``torch.autograd.functional.vhp`` does; ``functional.hvp`` is slower by design (its docs say so).
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # benchmark this checkout, installed or not
sys.path.insert(0, HERE)

# first: bench_engine reads --threads from the command line and sets BLAS's threads before numpy loads
from bench_engine import THREADS, check_agreement, time_interleaved  # noqa: E402
import numpy as np  # noqa: E402
from workloads import TwoLayerSpiral, _softmax_cross_entropy_numpy  # noqa: E402
import tinygrad_nn as tg  # noqa: E402
from tinygrad_nn import autograd, functional as F  # noqa: E402


class SpiralHVP:
    """H v of the spiral net's loss at fixed parameters, three ways; each returns (loss, [H v per parameter])."""

    title = "H v of the 2-layer spiral net (300x2-100-3, all parameters)"

    def __init__(self, seed=0):
        net = TwoLayerSpiral(seed=seed)
        self.X, self.y, self.reg = net.X, net.y, net.reg
        rng = np.random.default_rng(seed + 2)
        # parameters of a net partly trained (the notes' 0.01 start keeps every ReLU near 0), and a random v
        self.params = [rng.standard_normal((2, 100)), 0.1 * rng.standard_normal(100),
                       0.1 * rng.standard_normal((100, 3)), np.zeros(3)]
        self.v = [rng.standard_normal(p.shape) for p in self.params]
        self.tensors = [tg.Tensor(p.copy()) for p in self.params]
        self.v_tensors = [tg.Tensor(a.copy()) for a in self.v]
        self.X_tensor = tg.Tensor(self.X)

    # ------------------------------------------------------------ numpy: gradient and R-op by hand
    def numpy_gradient(self, params):
        W1, b1, W2, b2 = params
        hidden = np.maximum(0, self.X @ W1 + b1)
        loss, dscores = _softmax_cross_entropy_numpy(hidden @ W2 + b2, self.y)
        dhidden = dscores @ W2.T
        dhidden *= hidden > 0
        return loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2)), [
            self.X.T @ dhidden + self.reg * W1, dhidden.sum(axis=0),
            hidden.T @ dscores + self.reg * W2, dscores.sum(axis=0)]

    def numpy_step(self):
        """Pearlmutter's R-op: forward and backward passes with R{} = d/dt at params + t v, t = 0."""
        (W1, b1, W2, b2), (V1, c1, V2, c2) = self.params, self.v
        X, reg, n = self.X, self.reg, len(self.y)
        z = X @ W1 + b1
        active = z > 0
        hidden = z * active
        r_hidden = (X @ V1 + c1) * active                     # R{relu(z)} = relu'(z) R{z}
        loss, dscores = _softmax_cross_entropy_numpy(hidden @ W2 + b2, self.y)
        probs = dscores * n
        probs[np.arange(n), self.y] += 1                      # softmax, recovered from its gradient
        r_scores = r_hidden @ W2 + hidden @ V2 + c2
        r_dscores = probs * (r_scores - np.sum(probs * r_scores, axis=1, keepdims=True)) / n
        dhidden = dscores @ W2.T
        r_dhidden = (r_dscores @ W2.T + dscores @ V2.T) * active
        loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        return loss, [X.T @ r_dhidden + reg * V1, r_dhidden.sum(axis=0),
                      r_hidden.T @ dscores + hidden.T @ r_dscores + reg * V2, r_dscores.sum(axis=0)]

    # ------------------------------------------------------------ the engine
    def loss(self, W1, b1, W2, b2):
        scores = (self.X_tensor @ W1 + b1).relu() @ W2 + b2
        return F.cross_entropy(scores, self.y) + 0.5 * self.reg * F.l2_penalty([W1, W2])

    def engine_step(self):
        loss, products = autograd.hvp(self.loss, self.tensors, self.v_tensors)
        return loss.item(), [p.data for p in products]

    def check_r_op(self, eps=1e-6):
        """The R-op against central differences of the numpy gradient along v (the baseline is checked too)."""
        plus = self.numpy_gradient([p + eps * v for p, v in zip(self.params, self.v)])[1]
        minus = self.numpy_gradient([p - eps * v for p, v in zip(self.params, self.v)])[1]
        differences = [(a - b) / (2 * eps) for a, b in zip(plus, minus)]
        check_agreement("numpy R-op", {"central differences": (0.0, differences),
                                       "R-op": (0.0, self.numpy_step()[1])}, rtol=1e-5)


def torch_step(workload, threads=None):
    """The same H v with PyTorch's double backward, or None when torch is not importable."""
    try:
        import torch
        import torch.nn.functional as torch_F
    except ImportError:
        return None, None
    if threads:
        torch.set_num_threads(threads)
    X, y = torch.tensor(workload.X), torch.tensor(workload.y)
    params = [torch.tensor(p, requires_grad=True) for p in workload.params]
    vs = [torch.tensor(v) for v in workload.v]
    reg = workload.reg

    def step():
        W1, b1, W2, b2 = params
        scores = torch.relu(X @ W1 + b1) @ W2 + b2
        loss = torch_F.cross_entropy(scores, y) + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())
        grads = torch.autograd.grad(loss, params, create_graph=True)
        products = torch.autograd.grad(sum((g * v).sum() for g, v in zip(grads, vs)), params)
        return loss.item(), [p.numpy() for p in products]
    return step, f"PyTorch {torch.__version__} (CPU, eager, double backward)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few short rounds: checks that everything runs")
    parser.add_argument("--repeat", type=int, default=None, help="timed rounds (default 15, 3 with --quick)")
    parser.add_argument("--min-time", type=float, default=None,
                        help="seconds each timed measurement lasts at least (default 0.2, 0.01 with --quick)")
    parser.add_argument("--no-torch", action="store_true", help="leave out the PyTorch column")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for BLAS (numpy) and PyTorch (default: their own defaults)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 15)
    min_time = args.min_time or (0.01 if args.quick else 0.2)
    workload = SpiralHVP()
    workload.check_r_op()
    steps = {"numpy": workload.numpy_step, "engine": workload.engine_step}
    torch_version = None
    if not args.no_torch:
        step, torch_version = torch_step(workload, args.threads)
        if step is not None:
            steps["torch"] = step
    check_agreement(workload.title, {name: step() for name, step in steps.items()}, rtol=1e-8)
    print(f"{workload.title}: every implementation agrees with the numpy R-op (rtol 1e-8), and the R-op with "
          "central differences of the gradient (rtol 1e-5)")
    if torch_version:
        print(f"torch: {torch_version}")
    times = time_interleaved(steps, repeat, min_time)
    best = {name: min(samples) for name, samples in times.items()}
    print(f"\n{'implementation':<16}{'ms':>10}{'ratio to numpy':>18}")
    for name in steps:
        print(f"{name:<16}{best[name] * 1e3:>10.3f}{best[name] / best['numpy']:>17.2f}x")
    print(f"\nratio = best time / best time of the numpy R-op ({repeat} rounds of >= {min_time}s, "
          f"BLAS threads {THREADS or 'default'})")
    return best


if __name__ == "__main__":
    main()
