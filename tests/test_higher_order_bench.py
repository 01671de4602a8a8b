"""The HVP benchmark runs, checks its baseline and prints its ratios (no timing is asserted: speed lives in
benchmarks/); its numpy R-op is a real Hessian-vector product of the spiral net."""

import os
import subprocess
import sys

import numpy as np

from tinygrad_nn import Tensor, autograd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

from bench_hvp import SpiralHVP  # noqa: E402


def test_bench_hvp_quick_runs_and_prints_the_ratio():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_hvp.py"), "--quick",
                             "--repeat", "1", "--min-time", "0.001", "--no-torch"],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "agrees with the numpy R-op" in result.stdout
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.endswith("x")}
    assert set(rows) == {"numpy", "engine"} and rows["numpy"].endswith("1.00x")


def test_the_r_op_is_the_full_hessian_times_v():
    workload = SpiralHVP()
    _, products = workload.numpy_step()
    flat = np.concatenate([p.reshape(-1) for p in products])
    # the whole 603 x 603 Hessian, one engine backward per row, times v
    hessian = autograd.hessian(workload.loss, tuple(Tensor(p) for p in workload.params))
    sizes = [p.size for p in workload.params]
    full = np.block([[hessian[i][j].data.reshape(sizes[i], sizes[j]) for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(full, full.T, atol=1e-12)
    np.testing.assert_allclose(flat, full @ np.concatenate([v.reshape(-1) for v in workload.v]),
                               rtol=1e-9, atol=1e-12)
