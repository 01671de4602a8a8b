"""``import tinygrad_nn`` settles glibc's malloc: a training-sized loop stops getting fresh pages every step.

Counted as minor page faults (``ru_minflt``) in fresh interpreters, so the
result does not depend on what this test process allocated before.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")

ROOT = Path(__file__).resolve().parents[1]

LOOP = """
import resource, numpy as np
{setup}
def step():  # the demo's sizes: 300x100 activations, a few of them alive at once
    a = np.ones((300, 100)); b = a * 2.0; c = np.maximum(b, 0.0); return (c @ np.ones((100, 3))).sum()
for _ in range(20):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(setup):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", LOOP.format(setup=setup)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


@pytest.mark.skipif(not hasattr(os, "confstr") or "glibc" not in (os.confstr("CS_GNU_LIBC_VERSION") or ""),
                    reason="the page-fault pattern is glibc's")
def test_importing_tinygrad_nn_stops_per_step_page_faults():
    unsettled = _page_faults("")
    settled = _page_faults("import tinygrad_nn")
    assert unsettled > 10_000, unsettled  # the loop's arrays came back from the kernel every step
    assert settled < unsettled / 20, (settled, unsettled)

