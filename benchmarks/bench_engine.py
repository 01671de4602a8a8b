"""Time the engine against hand-written numpy (and PyTorch, when importable) on four workloads.

Run from the repository root::

    python benchmarks/bench_engine.py            # the full run (about a minute)
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
code. The ratio is ``best engine time / best numpy time``; the "median"
column is the median over rounds of each round's ratio, to show the spread.
Python's garbage collector stays on: its cost is part of what a user pays.
"""

import argparse
import math
import os
import platform
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # benchmark this checkout, installed or not
sys.path.insert(0, HERE)

from workloads import WORKLOADS  # noqa: E402


def optional_implementations():
    """Extra step builders ``{column name: (build(workload) -> step or None, description)}``."""
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
    """Check, time and summarise one workload: a dict of table cells."""
    steps = {"numpy": workload.numpy_step, "engine": workload.engine_step}
    for column, (build, _) in extras.items():
        step = build(workload)
        if step is not None:
            steps[column] = step
    float32 = workload.initial[0].dtype == np.float32
    check_agreement(workload.title, {name: step() for name, step in steps.items()},
                    rtol=2e-4 if float32 else 1e-7)
    times = time_interleaved(steps, repeat, min_time)
    row = {"key": workload.key, "title": workload.title, "target": workload.target}
    for name, samples in times.items():
        row[f"{name}_ms"] = min(samples) * 1e3
        if name != "numpy":
            row[f"{name}_ratio"] = min(samples) / min(times["numpy"])
            row[f"{name}_median_ratio"] = statistics.median(s / n for s, n in zip(samples, times["numpy"]))
    return row


def format_table(rows, columns):
    """The results as a fixed-width text table."""
    header = ["case", "workload", "numpy ms", "engine ms", "engine/numpy", "(median)", "target", "result"]
    for column in columns:
        header += [f"{column} ms", f"{column}/numpy"]
    lines = [header]
    for row in rows:
        ratio = row["engine_ratio"]
        cells = [row["key"], row["title"], f"{row['numpy_ms']:.3f}", f"{row['engine_ms']:.3f}",
                 f"{ratio:.2f}x", f"{row['engine_median_ratio']:.2f}x", f"<= {row['target']}x", "PASS" if ratio <= row["target"] else "MISS"]
        for column in columns:
            present = f"{column}_ms" in row
            cells += [f"{row[f'{column}_ms']:.3f}" if present else "-",
                      f"{row[f'{column}_ratio']:.2f}x" if present else "-"]
        lines.append(cells)
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
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 15)
    min_time = args.min_time or (0.01 if args.quick else 0.2)
    extras = optional_implementations()
    if args.no_torch:
        extras.pop("torch", None)
    wanted = set(args.only.split(",")) - {""}
    print(f"tinygrad_nn engine benchmark: Python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, {repeat} rounds of >= {min_time}s" + (" (quick)" if args.quick else ""))
    for column, (_, description) in extras.items():
        print(f"extra column {column}: {description}")
    rows = []
    for workload_class in WORKLOADS:
        if wanted and workload_class.key not in wanted:
            continue
        kwargs = {"size": args.chain_size} if workload_class.key == "c" else {}
        rows.append(run_workload(workload_class(**kwargs), extras, repeat, min_time))
    print()
    print(format_table(rows, list(extras)))
    return rows


if __name__ == "__main__":
    main()
