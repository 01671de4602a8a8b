"""The engine benchmark runs and prints its table (no timing is asserted: speed lives in benchmarks/)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "bench_engine.py")


def test_bench_engine_quick_runs_and_prints_every_case():
    result = subprocess.run(
        [sys.executable, SCRIPT, "--quick", "--repeat", "1", "--min-time", "0.001", "--no-torch"],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("case"))
    assert "numpy ms" in header and "ratio" in header and "target" in header
    rows = {line.split()[0]: line for line in lines if line[:1] in "abcd" and ("PASS" in line or "MISS" in line)}
    assert {"a", "b", "c", "d"} <= set(rows), result.stdout
    assert "<= 1.5x" in rows["a"] and "<= 3.0x" in rows["b"] and "<= 2.5x" in rows["c"] and "<= 1.1x" in rows["d"]
