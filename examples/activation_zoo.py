"""The activation zoo: every activation of ``tg.functional`` and its derivative in one figure, each checked.

The CS231n notes draw sigmoid, tanh and ReLU next to each other; this
extends the picture to the 20 elementwise activations tinygrad_nn has. In
each panel the solid line is f(x), the dashed line f'(x) as the engine's
backward computes it, and a dot marks the gradient the op uses at each kink
(PyTorch's conventions: relu'(0) = 0, relu6 has slope 0 at 0 and 6, ...).

Then ``tg.gradcheck`` checks every backward against central differences at
random points (kept away from the kinks, where no derivative exists), and
prints each one's worst error and its band.

Run: python examples/activation_zoo.py [picture.png]   (TINYGRAD_NN_QUICK=1 for a quick run)
"""

import os
import sys

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import functional as F
from tinygrad_nn.plotting import require_matplotlib

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"

# title, function of a Tensor, kinks (where the derivative jumps)
ZOO = [
    ("sigmoid", F.sigmoid, ()),
    ("tanh", F.tanh, ()),
    ("relu", F.relu, (0.0,)),
    ("leaky_relu(0.1)", lambda x: F.leaky_relu(x, 0.1), (0.0,)),
    ("prelu (slope 0.25)", lambda x: F.prelu(x, np.array([0.25])), (0.0,)),
    ("elu(alpha=0.5)", lambda x: F.elu(x, 0.5), (0.0,)),
    ("selu", F.selu, (0.0,)),
    ("celu(alpha=0.5)", lambda x: F.celu(x, 0.5), ()),
    ("gelu", F.gelu, ()),
    ("gelu(approximate='tanh')", lambda x: F.gelu(x, approximate="tanh"), ()),
    ("silu (swish)", F.silu, ()),
    ("mish", F.mish, ()),
    ("softplus", F.softplus, ()),
    ("softsign", F.softsign, ()),
    ("logsigmoid", F.logsigmoid, ()),
    ("tanhshrink", F.tanhshrink, ()),
    ("hardtanh", F.hardtanh, (-1.0, 1.0)),
    ("relu6", F.relu6, (0.0, 6.0)),
    ("hardsigmoid", F.hardsigmoid, (-3.0, 3.0)),
    ("hardswish", F.hardswish, (-3.0, 3.0)),
]
X_RANGE = (-5.0, 7.0)


def value_and_slope(function, x):
    """f(x) and f'(x) from the engine (the backward of a sum gives the elementwise derivative)."""
    t = tg.Tensor(x, requires_grad=True)
    out = function(t)
    out.sum().backward()
    return out.data, t.grad


def draw(path):
    Figure, FigureCanvasAgg, _ = require_matplotlib()
    columns = 5
    rows = -(-len(ZOO) // columns)
    figure = Figure(figsize=(3.2 * columns, 2.7 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    grid = np.linspace(*X_RANGE, 241 if QUICK else 1201)
    for index, (title, function, kinks) in enumerate(ZOO):
        axes = figure.add_subplot(rows, columns, index + 1)
        x = grid[np.all([np.abs(grid - kink) > 1e-9 for kink in kinks], axis=0)] if kinks else grid
        value, slope = value_and_slope(function, x)
        axes.axhline(0.0, color="0.8", linewidth=0.8)
        axes.axvline(0.0, color="0.8", linewidth=0.8)
        axes.plot(x, value, color="#0072B2", linewidth=1.8, label="f(x)")
        for piece in np.split(np.arange(len(x)), np.searchsorted(x, kinks)):  # no line drawn across a jump
            axes.plot(x[piece], slope[piece], color="#D55E00", linewidth=1.4, linestyle="--",
                      label="f'(x)" if piece[0] == 0 else None)
        if kinks:
            _, at_kinks = value_and_slope(function, np.array(kinks))
            axes.plot(kinks, at_kinks, "o", color="#D55E00", markersize=4, label="f' used at a kink")
        axes.set_title(title, fontsize=10)
        axes.set_xlim(*X_RANGE)
        axes.set_ylim(-2.0, 3.0)
        axes.tick_params(labelsize=7)
        if index % columns == 0:
            axes.set_ylabel("y", fontsize=8)
        if index >= len(ZOO) - columns:
            axes.set_xlabel("x", fontsize=8)
        if title == "relu":
            axes.legend(fontsize=7, loc="upper left")
    figure.suptitle("tinygrad_nn's activations: f(x) solid, f'(x) from backward dashed, "
                    "dots: the gradient used at a kink")
    figure.savefig(path, dpi=100)
    return path


def away_from(kinks, x, distance=1e-3):
    """``x`` with every element closer than ``distance`` to a kink moved to that distance."""
    for kink in kinks:
        near = np.abs(x - kink) < distance
        x = np.where(near, kink + np.copysign(distance, x - kink), x)
    return x


def check_gradients():
    rng = np.random.default_rng(0)
    shape = (8, 8) if QUICK else (32, 32)
    print(f"{'activation':26} {'max abs error':>14}  band        at the kinks")
    failures = 0
    for title, function, kinks in ZOO:
        x = away_from(kinks, rng.normal(scale=3.0, size=shape))
        result = tg.gradcheck(function, (x,), raise_exception=False)
        report = result.inputs[0]
        slopes = value_and_slope(function, np.array(kinks))[1]
        at_kinks = ", ".join(f"f'({kink:g}) = {slope:g}" for kink, slope in zip(kinks, slopes))
        print(f"{title:26} {report.max_abs_error:14.2e}  {report.band:10}  {at_kinks or '-'}")
        failures += not result
    return failures


def main():
    path = draw(sys.argv[1] if len(sys.argv) > 1 else "activation_zoo.png")
    print(f"wrote {path}: {len(ZOO)} activations and their derivatives\n")
    failures = check_gradients()
    print(f"\n{len(ZOO) - failures} of {len(ZOO)} backward passes agree with central differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
