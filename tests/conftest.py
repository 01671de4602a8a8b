"""Hypothesis profiles: ``dev`` (default, quick, new examples on every run) and ``ci`` (more examples,
derandomized: the same examples on every run, so a CI result can be reproduced exactly).

Choose one with the environment variable ``HYPOTHESIS_PROFILE=ci``.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _numpy_warnings_are_errors():
    """A numpy overflow/invalid warning inside a test is a failure, not noise."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        yield
