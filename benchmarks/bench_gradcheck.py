"""What a gradient check costs: tg.gradcheck of swish on a 64x64 input against a hand-written,
vectorized numpy central difference of the same function, measured in the same run.

Run from the repository root::

    python benchmarks/bench_gradcheck.py           # about ten seconds
    python benchmarks/bench_gradcheck.py --quick   # a second or two, noisier

The baseline is the least any check must do: two vectorized evaluations of
swish and one subtraction, ``(swish(x + eps) - swish(x - eps)) / (2 eps)``,
with no comparison and no report. The target is a ratio of at most 50 for
``tg.gradcheck`` (PyTorch's ``gradcheck`` was measured at about 6,500x and
MyGrad-style per-element loops at about 4,300x on this problem). For
context the table also times the other strategies on the same input: the
projection check, and the exact per-element check (two forward calls per
element: what the elementwise check avoids).

Each time is the best of several rounds (``timeit``'s advice: slower rounds
are other processes getting in the way). Exit code 1 when the target is missed.
"""

import argparse
import os
import sys
import timeit

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # benchmark this checkout, installed or not

import tinygrad_nn as tg  # noqa: E402

TARGET_RATIO = 50.0
EPS = 1e-6


def sigmoid(x):
    """1 / (1 + e**-x) without overflow."""
    return np.exp(-np.logaddexp(0.0, -x))


def swish(x):
    """x * sigmoid(x), plain numpy."""
    return x * sigmoid(x)


class Swish(tg.Function):
    """x * sigmoid(x) as a user writes it;  d/dx = s + x * s * (1 - s)."""

    @staticmethod
    def forward(ctx, x):
        s = sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * (s + x * s * (1.0 - s))


def numpy_central_difference(x):
    """The baseline: a vectorized central difference of an elementwise function."""
    return (swish(x + EPS) - swish(x - EPS)) / (2 * EPS)


def best_time(fn, repeat, min_time):
    """Best seconds per call over ``repeat`` rounds, each lasting at least ``min_time`` seconds."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return min(timer.repeat(repeat=repeat, number=number)) / number


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--size", type=int, default=64, help="side of the square input (default 64)")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("TINYGRAD_NN_QUICK") == "1"
    repeat, min_time = (3, 0.05) if quick else (7, 0.2)

    x = np.random.default_rng(0).normal(scale=3.0, size=(args.size, args.size))
    s = sigmoid(x)
    assert np.allclose(numpy_central_difference(x), s + x * s * (1 - s), atol=1e-6)
    result = tg.gradcheck(Swish, (x,))
    assert result and result.inputs[0].method == "elementwise"

    rows = [
        ("numpy central difference (baseline)", lambda: numpy_central_difference(x), True),
        ("tg.gradcheck(Swish, (x,))", lambda: tg.gradcheck(Swish, (x,)), True),
        ("tg.gradcheck(lambda t: Swish.apply(t), (x,))", lambda: tg.gradcheck(lambda t: Swish.apply(t), (x,)), True),
        ("tg.gradcheck(..., mode='fast')  (projections)", lambda: tg.gradcheck(Swish, (x,), mode="fast"), True),
        ("tg.gradcheck(..., elementwise=False, mode='exact')", lambda: tg.gradcheck(
            Swish, (x,), mode="exact", elementwise=False), not quick),
    ]
    print(f"gradient check of swish on a {args.size}x{args.size} float64 input "
          f"(best of {repeat} rounds, numpy {np.__version__})")
    baseline = None
    ratios = {}
    for label, fn, run in rows:
        if not run:
            print(f"  {label:<52} skipped in quick mode")
            continue
        seconds = best_time(fn, 1 if "exact" in label else repeat, min_time)
        baseline = baseline or seconds
        ratios[label] = seconds / baseline
        print(f"  {label:<52} {seconds * 1e3:10.3f} ms   {seconds / baseline:8.1f}x")
    ratio = ratios["tg.gradcheck(Swish, (x,))"]
    verdict = "within" if ratio <= TARGET_RATIO else "MISSES"
    print(f"tg.gradcheck costs {ratio:.1f}x the numpy baseline: {verdict} the target of {TARGET_RATIO:g}x")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
