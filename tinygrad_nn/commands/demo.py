"""``tinygrad-nn demo``: the CS231n 2-layer net on the spiral, the first thing a new user runs.

It trains ``MLP([2, 100, 3])`` (100 hidden ReLUs, no activation on the
output) with softmax cross-entropy plus ``0.5 * reg * sum(W**2)`` over the
weights, full batch, plain SGD with step size 1.0 and ``reg = 1e-3`` (the
notes' setup), and a linear softmax classifier on the same data for
comparison. Then it prints the model summary, the unit report (dead ReLUs)
and both classifiers' accuracy on the training points and on held-out points
(150 more spiral points, drawn with another seed and never trained on), and
writes into ``--out``:

* ``decision_boundary.png``: the linear classifier and the net side by side;
* ``model.svg``: the module tree (``viz.draw_module``);
* ``loss_graph.svg``: the computation graph of the loss (``viz.draw_graph``);
* ``model.npz``: the trained weights (``tg.save``; ``tg.load`` reads them).

SVG needs a Graphviz renderer (``graphviz-pure`` comes with the package);
without one the drawings are written as ``.dot`` text instead.
"""

import argparse
import pathlib
import sys
import time

import numpy as np

from ..cli import UsageError

INSTALL_HINT = "pip install -e '.[demo]'"
DEFAULT_STEPS = 10_000
QUICK_STEPS = 300
LINEAR_STEPS = 200          # the notes train their linear classifier for 200 steps
HELD_OUT_PER_CLASS = 50     # held-out points per class, from a spiral with seed + 1
PROGRESS_EVERY = 50         # steps between progress bar updates
MAX_STEPS = 1_000_000       # --steps: more would train for hours
MAX_HIDDEN = 1_000          # --hidden: the decision-boundary picture evaluates 90,000 points at this width
MIN_LR, MAX_LR = 1e-8, 1e3  # --lr: below, no weight moves; above, the scores overflow
MAX_SEED = 2**63 - 2        # --seed: the held-out spiral uses seed + 1, an int64


def register(subparsers):
    """Add the ``demo`` subcommand to the ``tinygrad-nn`` parser."""
    parser = subparsers.add_parser(
        "demo", help="train the CS231n 2-layer net on the spiral and draw what it learned",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Train a 2-layer neural network (2 inputs -> 100 ReLUs -> 3 scores) on the CS231n\n"
            "spiral (300 points, 3 classes) with softmax cross-entropy and L2 regularization,\n"
            "full batch, plain SGD (step size 1.0, reg 1e-3, 10,000 steps), next to a linear\n"
            "softmax classifier on the same data. Prints the model summary, the dead-unit\n"
            "report and both training accuracies (the notes: about 98% against 49%) with\n"
            "the accuracies on 150 held-out spiral points, and writes a decision-boundary PNG,\n"
            "the module tree, the loss's computation graph and the trained weights into --out.\n"
            "Needs matplotlib and tqdm: " + INSTALL_HINT + "."),
        epilog="example: tinygrad-nn demo --out demo_out --seed 1")
    parser.add_argument("--out", default="tinygrad_nn_demo", metavar="DIR",
                        help="folder for the PNG, drawings and weights (created if missing; "
                             "default: ./tinygrad_nn_demo)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the spiral data and of tg.manual_seed (weights), 0 to 2**63-2; the same "
                             "seed gives the same final loss (default: 0)")
    parser.add_argument("--steps", type=int, default=None,
                        help=f"SGD steps for the net, 1 to {MAX_STEPS:,} (default: {DEFAULT_STEPS:,}, or "
                             f"{QUICK_STEPS} with --quick)")
    parser.add_argument("--hidden", type=int, default=100,
                        help=f"hidden ReLU units, 1 to {MAX_HIDDEN:,} (default: 100)")
    parser.add_argument("--lr", type=float, default=1.0,
                        help=f"SGD step size, {MIN_LR:g} to {MAX_LR:g} (default: 1.0)")
    parser.add_argument("--reg", type=float, default=1e-3,
                        help="L2 strength: the loss adds 0.5 * reg * sum(W**2) over the weights; >= 0 with "
                             "lr * reg below 2, else the weights grow without bound (default: 1e-3)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (tqdm is then not needed)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar, summary or unit report: only the results and the files")
    parser.add_argument("--quick", action="store_true",
                        help=f"a fast run for tests: {QUICK_STEPS} steps and a coarse picture "
                             "(accuracy stays below the full run's)")
    parser.set_defaults(func=run)
    return parser


def _check_arguments(args):
    if args.steps is not None and not 1 <= args.steps <= MAX_STEPS:
        raise UsageError(f"demo: --steps must be at least 1 and at most {MAX_STEPS:,}, got {args.steps}")
    if not 1 <= args.hidden <= MAX_HIDDEN:
        raise UsageError(f"demo: --hidden must be at least 1 and at most {MAX_HIDDEN:,}, got {args.hidden}")
    if not MIN_LR <= args.lr <= MAX_LR:   # nan fails this too
        raise UsageError(f"demo: --lr must be a positive number from {MIN_LR:g} to {MAX_LR:g}, got {args.lr!r}")
    if not (np.isfinite(args.reg) and args.reg >= 0):
        raise UsageError(f"demo: --reg must be a finite number >= 0, got {args.reg!r}")
    if args.lr * args.reg >= 2:
        raise UsageError(f"demo: --lr times --reg must be below 2, got {args.lr:g} * {args.reg:g} = "
                         f"{args.lr * args.reg:g}: each step multiplies the weights by 1 - lr * reg, which must "
                         "stay above -1 for them not to grow without bound")
    if not 0 <= args.seed <= MAX_SEED:
        raise UsageError(f"demo: --seed must be an integer from 0 to {MAX_SEED} (2**63-2), got {args.seed}")
    out = pathlib.Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"demo: --out {str(out)!r} exists and is not a folder")
    return out


def _require_packages(progress):
    """Import the optional packages the demo needs; a UsageError names the install command."""
    missing = []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        missing.append("matplotlib")
    tqdm = None
    if progress:
        try:
            from tqdm import tqdm
        except ImportError:
            missing.append("tqdm")
    if missing:
        raise UsageError(f"demo: needs {' and '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
                         f"not installed; install the demo extra with: {INSTALL_HINT} "
                         f"(or: pip install {' '.join(missing)})")
    return tqdm


def objective(model, X, y, reg):
    """Softmax cross-entropy plus ``0.5 * reg * sum(W**2)`` over every weight (biases are not penalised).

    Returns ``(loss, scores)``; the 1/2 makes the penalty's gradient ``reg * W``,
    the notes' convention.
    """
    from .. import functional as F
    scores = model(X)
    weights = [p for name, p in model.named_parameters() if not name.endswith("bias")]
    loss = F.cross_entropy(scores, y) + 0.5 * reg * F.l2_penalty(weights)
    return loss, scores


def train(model, X, y, steps, lr, reg, bar=None):
    """Full-batch SGD on ``objective``; ``bar`` (a tqdm bar or None) shows loss and accuracy."""
    from .. import optim
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss, scores = objective(model, X, y, reg)
        loss.backward()
        optimizer.step()
        if bar is not None and (step % PROGRESS_EVERY == 0 or step == steps):
            accuracy = np.mean(scores.data.argmax(axis=1) == y)
            bar.set_postfix(loss=f"{loss.item():.4f}", acc=f"{accuracy:.1%}", refresh=False)
            bar.update(step - bar.n)


def evaluate(model, X, y, reg):
    """``(loss, accuracy, loss_tensor)`` of ``model`` on the data (the loss tensor keeps its graph)."""
    loss, scores = objective(model, X, y, reg)
    return loss.item(), float(np.mean(scores.data.argmax(axis=1) == y)), loss


def _draw(graph, out, stem, notes):
    """Write ``graph`` as ``stem.svg``, or as ``stem.dot`` when no Graphviz renderer is available."""
    from .. import viz
    try:
        return viz.render(graph, out / f"{stem}.svg")
    except (viz.RendererNotFoundError, RuntimeError) as error:
        notes.append(f"{stem}.svg not written ({error}); wrote the DOT text instead")
        return viz.render(graph, out / f"{stem}.dot")


def run(args):
    """Train, report and draw; returns 0."""
    import tinygrad_nn as tg
    from .. import data, nn, plotting, viz

    out = _check_arguments(args)
    quick = args.quick
    steps = args.steps or (QUICK_STEPS if quick else DEFAULT_STEPS)
    progress = not (args.quiet or args.no_progress)
    tqdm = _require_packages(progress)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"demo: cannot create the --out folder {str(out)!r}: {error}") from error
    say = (lambda *lines: None) if args.quiet else (lambda *lines: print(*lines, sep="\n"))

    X_array, y = data.spiral(n_per_class=100, n_classes=3, seed=args.seed)
    X_held, y_held = data.spiral(n_per_class=HELD_OUT_PER_CLASS, n_classes=3, seed=args.seed + 1)
    X = tg.Tensor(X_array, name="X (spiral points)")
    tg.manual_seed(args.seed)
    net = nn.MLP([2, args.hidden, 3])
    linear = nn.Linear(2, 3)
    say(f"tinygrad-nn demo: a 2-layer net on the CS231n spiral ({len(y)} training points, {len(y_held)} "
        f"held-out points, 3 classes, seed {args.seed})",
        "", str(nn.summary(net)), "")

    train(linear, X, y, LINEAR_STEPS, args.lr, args.reg)
    linear_loss, linear_accuracy, _ = evaluate(linear, X, y, args.reg)

    started = time.perf_counter()
    bar = tqdm(total=steps, desc="training", unit="step", file=sys.stderr, leave=True) if progress else None
    try:
        train(net, X, y, steps, args.lr, args.reg, bar)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started

    with nn.watch_units(net) as watcher:
        net_loss, net_accuracy, loss_tensor = evaluate(net, X, y, args.reg)
    loss_tensor.name = "loss"
    say("", watcher.report(), "")
    print(f"linear softmax classifier: training accuracy {linear_accuracy:.1%}, held-out accuracy "
          f"{plotting.accuracy(linear, X_held, y_held):.1%} (final loss {linear_loss:.6f}, {LINEAR_STEPS} steps)")
    print(f"2-layer net ({args.hidden} hidden ReLUs): training accuracy {net_accuracy:.1%}, held-out accuracy "
          f"{plotting.accuracy(net, X_held, y_held):.1%} (final loss {net_loss:.6f}, {steps:,} steps "
          f"in {seconds:.1f} s)")

    notes = []
    written = [plotting.save_decision_regions(
        out / "decision_boundary.png",
        [("linear softmax classifier", linear), (f"2-layer net, {args.hidden} hidden ReLUs", net)],
        X_array, y, resolution=80 if quick else 300, title="CS231n spiral: decision regions",
        held_out=(X_held, y_held))]
    written.append(_draw(viz.draw_module(net), out, "model", notes))
    written.append(_draw(viz.draw_graph(loss_tensor, model=net), out, "loss_graph", notes))
    tg.save(net.state_dict(), out / "model.npz")
    written.append(out / "model.npz")
    print(f"wrote {', '.join(str(path) for path in written)}")
    for note in notes:
        print(f"note: {note}")
    return 0
