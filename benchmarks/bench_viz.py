"""How long drawings take: ``viz.draw_graph`` and ``viz.render`` (to SVG) on graphs from small to 10,000
recorded nodes, with the graphviz-pure program installed with tinygrad_nn and, when one is on ``PATH``,
the system Graphviz ``dot``.

Run from the repository root::

    python benchmarks/bench_viz.py           # about half a minute with both programs
    python benchmarks/bench_viz.py --quick   # the small graphs only, one round

Workloads (every graph drawn whole, ``max_nodes=None``, unless the name says folded):

* ``y = (y * 1.0001).tanh()`` repeated: chains of 1,000, 4,000 and 10,000 recorded nodes sharing one
  cached constant (the constant is written into each ``Mul``'s label);
* the same 10,000-node chain drawn with the default ``max_nodes=300`` (folded to ``×2,498 Mul → Tanh``);
* ``h = (h @ W).tanh()`` unrolled 100 steps with one shared weight ``W`` (a ghost of ``W`` at each step);
* the demo's loss: softmax cross-entropy of ``MLP([2, 100, 3])`` on the spiral plus the L2 penalty;
* a 784-512-512-10 MLP's loss with ``grads=True`` after one backward.

Targets with graphviz-pure: the 10,000-node chain renders in at most 5 s, the demo's graph in at most
0.2 s. Each time is the best of ``--repeat`` rounds (slower rounds are other processes getting in the
way). Exit code 1 when a target is missed.
"""

import argparse
import os
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # benchmark this checkout, installed or not

import tinygrad_nn as tg  # noqa: E402
from tinygrad_nn import functional as F, viz  # noqa: E402
from tinygrad_nn.commands.demo import objective  # noqa: E402
from tinygrad_nn.viz.recorded import record  # noqa: E402

TARGETS = {"chain, 10,000 nodes": 5.0, "demo loss": 0.2}   # seconds to render with graphviz-pure


def tanh_chain(recorded_nodes):
    """A chain of about ``recorded_nodes`` nodes: each step is Mul, its result, Tanh, its result."""
    y = tg.Tensor(np.array([0.5]), requires_grad=True, name="x")
    for _ in range(recorded_nodes // 4):
        y = (y * 1.0001).tanh()
    return y


def recurrent_loop(steps=100):
    rng = np.random.default_rng(0)
    weight = tg.Tensor(rng.standard_normal((16, 16)) * 0.3, requires_grad=True, name="W")
    h = tg.Tensor(rng.standard_normal((1, 16)), name="h0")
    for _ in range(steps):
        h = (h @ weight).tanh()
    return h


def demo_loss():
    points, labels = tg.data.spiral(n_per_class=100, n_classes=3, seed=0)
    tg.manual_seed(0)
    net = tg.nn.MLP([2, 100, 3])
    loss, _ = objective(net, tg.Tensor(points, name="X (spiral points)"), labels, 1e-3)
    loss.name = "loss"
    return loss


def wide_mlp_loss():
    tg.manual_seed(0)
    net = tg.nn.MLP([784, 512, 512, 10])
    x = tg.Tensor(np.random.default_rng(0).standard_normal((32, 784)), name="images")
    loss = F.cross_entropy(net(x), np.arange(32) % 10)
    loss.name = "loss"
    loss.backward()
    return loss


def workloads(quick):
    """``(name, make the tensor, draw_graph options)``, smallest first."""
    cases = [("chain, 1,000 nodes", lambda: tanh_chain(1_000), {"max_nodes": None}),
             ("loop of 100 steps, shared W", recurrent_loop, {"max_nodes": None}),
             ("demo loss", demo_loss, {}),
             ("784-512-512-10 MLP, grads", wide_mlp_loss, {"grads": True})]
    if not quick:
        cases[1:1] = [("chain, 4,000 nodes", lambda: tanh_chain(4_000), {"max_nodes": None}),
                      ("chain, 10,000 nodes", lambda: tanh_chain(10_000), {"max_nodes": None}),
                      ("chain, 10,000 nodes, folded", lambda: tanh_chain(10_000), {})]
    return cases


def best_time(action, repeat):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small graphs only, one round each")
    parser.add_argument("--repeat", type=int, default=None, help="rounds per time (default 3, 1 with --quick)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    programs = {"graphviz-pure": viz.find_renderer("graphviz-pure"), "dot": viz.find_renderer("dot")}
    if programs["graphviz-pure"] is None:
        print("graphviz-pure is not installed: pip install graphviz-pure", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench_viz_") as folder:
        header = (f"{'graph':30s} {'recorded':>9s} {'drawn':>7s} {'draw_graph s':>12s} {'graphviz-pure s':>15s} "
                  f"{'dot s':>7s}  target")
        print(header)
        print("-" * len(header))
        missed = False
        for name, make, options in workloads(args.quick):
            tensor = make()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", viz.GraphTooLargeWarning)
                draw_seconds, drawing = best_time(lambda: viz.draw_graph(tensor, **options), repeat)
            recorded = len(record(tensor))
            times = {}
            for label, program in programs.items():
                if program is None:
                    continue
                path = os.path.join(folder, f"{label}.svg")
                times[label], _ = best_time(lambda: viz.render(drawing, path, renderer=program), repeat)
            target = TARGETS.get(name)
            verdict = ""
            if target is not None:
                passed = times["graphviz-pure"] <= target
                missed = missed or not passed
                verdict = f"<= {target:g} s {'PASS' if passed else 'MISS'}"
            dot_text = f"{times['dot']:7.2f}" if "dot" in times else f"{'-':>7s}"
            print(f"{name:30s} {recorded:9,d} {drawing.node_count:7,d} {draw_seconds:12.3f} "
                  f"{times['graphviz-pure']:15.2f} {dot_text}  {verdict}")
    if programs["dot"] is None:
        print("(no system dot on PATH: its column is empty)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
