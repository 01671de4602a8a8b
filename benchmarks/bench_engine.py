"""Time the engine against hand-written numpy (and PyTorch, when importable) on four workloads.

Run from the repository root::

    python benchmarks/bench_engine.py            # the full run (a few minutes)
    python benchmarks/bench_engine.py --quick    # a few seconds, noisier
    python benchmarks/bench_engine.py --repeat 21 --only a,d

For each workload every implementation first runs one step from the same
initial arrays and the results are compared (loss and every gradient), so
the table only ever compares equal computations. Then each implementation
is warmed up and timed in interleaved rounds: in each round every
implementation runs ``number`` back-to-back steps (``number`` chosen so one
measurement lasts at least ``--min-time`` seconds) and the per-step time is
recorded. Times are the best (minimum) round in milliseconds, as ``timeit``
advises: slower rounds are other processes getting in the way, not the
code. The ratio is ``best tinygrad time / best numpy time``; the "median"
column is the median over rounds of each round's ratio, to show the spread.
Python's garbage collector stays on: its cost is part of what a user pays.
But the objects that exist once everything is imported are frozen first
(``gc.freeze()``): otherwise every full collection also walks PyTorch's
~150,000 import-time objects, which made the engine's deep chain (c) 35%
slower in the same process as torch, a cost of the neighbour, not the engine.
"""

import argparse
import gc
import math
import os
import platform
import statistics
import sys
import time


def _threads_from_argv(argv):
    """The value of ``--threads N`` if given: BLAS reads it from the environment when numpy loads."""
    for index, arg in enumerate(argv):
        if arg == "--threads" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return None


THREADS = _threads_from_argv(sys.argv[1:])
if THREADS is not None:  # must happen before numpy (and its BLAS) is imported
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = THREADS

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # benchmark this checkout, installed or not
sys.path.insert(0, HERE)

from workloads import WORKLOADS  # noqa: E402
from tinygrad_nn.engine import settle_allocator  # noqa: E402

try:
    import compiled_workloads  # noqa: E402  (the tg.compile rows)
except ImportError:  # tinygrad_nn.compile not there
    compiled_workloads = None


def optional_implementations(threads=None):
    """Extra step builders ``{name: (build(workload) -> step or None, description)}``.

    ``modules`` (when tinygrad_nn.nn, optim and functional exist) gives extra
    rows for (a) and (d); ``torch`` (when PyTorch is importable) a column.
    The ``tg.compile`` rows come from ``compiled_workloads.py`` (see ``run_workload``).
    """
    extras = {}
    try:
        import module_workloads
    except ImportError:
        pass  # tinygrad_nn.nn / optim / functional not there yet
    else:
        extras["modules"] = (module_workloads.module_step, module_workloads.description())
    try:
        import torch_workloads
    except ImportError:
        pass  # PyTorch is optional, never a dependency
    else:
        if threads:
            torch_workloads.torch.set_num_threads(threads)
        extras["torch"] = (torch_workloads.torch_step, torch_workloads.torch_version())
    return extras


def check_agreement(name, results, rtol):
    """Raise if the implementations' first steps (loss, gradients) differ beyond ``rtol``."""
    (reference_name, (reference_loss, reference_grads)), *others = results.items()
    for other_name, (loss, grads) in others:
        pairs = [(np.asarray(reference_loss), np.asarray(loss))]
        pairs += [(np.asarray(a), np.asarray(b)) for a, b in zip(reference_grads, grads)]
        for index, (expected, actual) in enumerate(pairs):
            scale = max(float(np.abs(expected).max(initial=0.0)), 1e-12)
            if expected.shape != actual.shape or not np.allclose(actual, expected, rtol=rtol, atol=rtol * scale):
                what = "loss" if index == 0 else f"gradient {index - 1}"
                raise AssertionError(f"{name}: {other_name} and {reference_name} disagree on the {what} "
                                     f"(shapes {actual.shape} and {expected.shape}); the benchmark would "
                                     "compare different computations")


def seconds_per_step(step, number):
    start = time.perf_counter()
    for _ in range(number):
        step()
    return (time.perf_counter() - start) / number


def time_interleaved(steps, repeat, min_time):
    """Per-round seconds per step for each implementation, rounds interleaved so drift hits all alike."""
    numbers = {}
    for name, step in steps.items():
        step()  # warm-up
        once = seconds_per_step(step, 1)
        numbers[name] = max(1, math.ceil(min_time / max(once, 1e-9)))
    times = {name: [] for name in steps}
    names = list(steps)
    for round_index in range(repeat):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(seconds_per_step(steps[name], numbers[name]))
    return times


def run_workload(workload, extras, repeat, min_time):
    """Check and time one workload; one table row for the engine, more for the modules and compiled versions."""
    steps = {"numpy": workload.numpy_step, "engine": workload.engine_step}
    for name, (build, _) in extras.items():
        step = build(workload)
        if step is not None:
            steps[name] = step
    first_calls = {}  # compiled rows: seconds of the first call, which traces and generates the code
    if compiled_workloads is not None:
        for suffix, step, seconds in compiled_workloads.compiled_steps(workload):
            steps[suffix], first_calls[suffix] = step, seconds
    float32 = workload.initial[0].dtype == np.float32
    check_agreement(workload.title, {name: step() for name, step in steps.items()},
                    rtol=2e-4 if float32 else 1e-7)
    times = time_interleaved(steps, repeat, min_time)
    best = {name: min(samples) for name, samples in times.items()}

    def row(key, title, name, target=workload.target):
        ratios = [t / n for t, n in zip(times[name], times["numpy"])]
        cells = {"key": key, "title": title, "target": target, "numpy_ms": best["numpy"] * 1e3,
                 "ms": best[name] * 1e3, "ratio": best[name] / best["numpy"],
                 "median_ratio": statistics.median(ratios)}
        if "torch" in best:
            cells.update(torch_ms=best["torch"] * 1e3, torch_ratio=best["torch"] / best["numpy"])
        if name in first_calls:
            cells["first_call_ms"] = first_calls[name] * 1e3
        return cells

    rows = [row(workload.key, workload.title, "engine")]
    if "modules" in steps:
        rows.append(row(workload.key + "+nn", workload.title + " [nn.MLP, F, optim]", "modules"))
    for suffix in first_calls:
        rows.append(row(f"{workload.key}+{suffix}", f"{workload.title} [tg.compile{suffix[8:]}]", suffix,
                        compiled_workloads.TARGETS[workload.key]))
    return rows


def format_table(rows):
    """The results as a fixed-width text table."""
    header = ["case", "workload", "numpy ms", "tinygrad ms", "ratio", "(median)", "target", "result",
              "torch ms", "torch ratio", "first call ms"]
    lines = [header]
    for row in rows:
        has_torch = "torch_ms" in row
        lines.append([row["key"], row["title"], f"{row['numpy_ms']:.3f}", f"{row['ms']:.3f}",
                      f"{row['ratio']:.2f}x", f"{row['median_ratio']:.2f}x", f"<= {row['target']}x",
                      "PASS" if row["ratio"] <= row["target"] else "MISS",
                      f"{row['torch_ms']:.3f}" if has_torch else "-",
                      f"{row['torch_ratio']:.2f}x" if has_torch else "-",
                      f"{row['first_call_ms']:.1f}" if "first_call_ms" in row else "-"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(text)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="few short rounds: checks that everything runs, numbers are noisy")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed rounds per implementation (default 15, 3 with --quick)")
    parser.add_argument("--min-time", type=float, default=None,
                        help="seconds each timed measurement lasts at least (default 0.2, 0.01 with --quick)")
    parser.add_argument("--only", default="", help="comma-separated case letters to run, e.g. a,d")
    parser.add_argument("--chain-size", type=int, default=1000,
                        help="elements per array in the elementwise chain (c) (default 1000)")
    parser.add_argument("--no-torch", action="store_true", help="leave out the PyTorch column")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for BLAS (numpy) and PyTorch (default: their own defaults); 1 makes "
                             "(d) far less sensitive to other processes on a busy machine")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 15)
    min_time = args.min_time or (0.01 if args.quick else 0.2)
    settle_allocator()  # done by importing tinygrad_nn already; the timings depend on it (engine/allocator.py)
    extras = optional_implementations(args.threads)
    if args.no_torch:
        extras.pop("torch", None)
    gc.freeze()  # see the module docstring: full collections skip import-time objects
    wanted = set(args.only.split(",")) - {""}
    print(f"tinygrad_nn engine benchmark: Python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, BLAS threads {THREADS or 'default'}, {repeat} rounds of >= {min_time}s"
          + (" (quick)" if args.quick else ""))
    for name, (_, description) in extras.items():
        print(f"{name}: {description}")
    rows = []
    for workload_class in WORKLOADS:
        if wanted and workload_class.key not in wanted:
            continue
        kwargs = {"size": args.chain_size} if workload_class.key == "c" else {}
        rows += run_workload(workload_class(**kwargs), extras, repeat, min_time)
    print()
    print(format_table(rows))
    print("\nratio = best tinygrad time / best numpy time (hand-written forward + backward of the same "
          "computation); (median) = median of the per-round ratios; first call ms = the one call of a "
          "tg.compile row that traces and generates the code (not part of its timed steps)")
    return rows


if __name__ == "__main__":
    main()
