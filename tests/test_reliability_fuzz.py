"""Garbage in, a clear error out: every public function and method, called with wrong types, shapes, axes, NaN,
huge ints, None, strings, nested lists and negative sizes, ends in a result or in one of the library's documented
errors whose message names the op; never in a raw numpy or Python internal (an AttributeError, "object of type
'NoneType' has no len()", "operands could not be broadcast" without the op's name ...).

The targets are found from the package's ``__all__`` and ``dir(Tensor)`` (tests/fuzz_targets.py), so a new op is
fuzzed as soon as it exists; how one call is judged is in tests/fuzz_outcome.py. The examples are derandomized
(the same ones every run, so CI never flakes on a new find); ``FUZZ_EXAMPLES=300`` tries more of them per target,
and ``FUZZ_SEED=7`` draws other examples (seeded, so a find can be replayed with the same seed).
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings, strategies as st

import tinygrad_nn as tg
from fuzz_outcome import judge
from fuzz_targets import all_targets, arguments

TARGETS = all_targets()
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", max(1, settings.default.max_examples // 10)))  # ci: 10
SEED = os.environ.get("FUZZ_SEED")  # None: derandomized


@pytest.mark.parametrize("label, make, names", TARGETS, ids=[label for label, _, _ in TARGETS])
def test_garbage_arguments_give_a_result_or_a_documented_error_naming_the_op(label, make, names, tmp_path,
                                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)  # tg.save and friends write where they are told: here

    @seed(int(SEED or 0))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(st.data())
    def call_with_garbage(data):
        function = make(data.draw)
        args, kwargs = data.draw(arguments(function), label="arguments")
        problem = judge(label, names, function, args, kwargs)
        assert problem is None, problem

    call_with_garbage()


def test_every_kind_of_public_name_is_a_target():
    labels = {label for label, _, _ in TARGETS}
    assert {"Tensor.sum", "Tensor.__add__", "Tensor.__getitem__", "Tensor.grad =", "Tensor.data =", "Tensor",
            "x + Tensor", "tg.maximum", "tg.where", "tg.save", "tg.load", "tg.gradcheck", "tg.check_graph",
            "F.cross_entropy", "F.mse_loss", "nn.Linear", "nn.Linear()(x)", "nn.MLP", "Module.load_state_dict",
            "nn.init.kaiming_normal_", "optim.Adam", "Adam.step", "Adam.load_state_dict", "autograd.grad",
            "autograd.jacobian", "viz.draw_graph", "viz.draw_module", "viz.draw_network", "viz.render",
            "data.spiral", "data.blobs", "interop.to_torch", "interop.from_torch", "tg.compile", "compile()(x)",
            "nn.summary", "nn.watch_units", "F.cross_entropy(x, y, options)",
            "F.binary_cross_entropy_with_logits(x, y, options)", "nn.CrossEntropyLoss(options)(x, y)"} <= labels
    public_methods = {name for name in dir(tg.Tensor) if not name.startswith("_")
                      and callable(getattr(tg.Tensor, name))}
    assert {f"Tensor.{name}" for name in public_methods} <= labels  # a new method is fuzzed the day it is added


@pytest.mark.parametrize("function, problem", [
    (lambda x: x.no_such_attribute, "raw AttributeError"),
    (lambda x: len(None), "says 'object of type'"),
    (lambda x: np.ones(2) + np.ones(3), "does not name the op"),
    (lambda x: 1 / 0, "raw ZeroDivisionError"),
    (lambda x: [][1:2].pop(), "does not name the op"),
])
def test_the_judge_refuses_raw_errors(function, problem):
    verdict = judge("example", ("example",), function, (1.0,), {})
    assert verdict is not None and problem in verdict


def test_the_judge_accepts_results_and_errors_that_name_the_op():
    assert judge("sum", ("sum",), lambda x: x, (1.0,), {}) is None
    assert judge("sum", ("sum",), lambda x: tg.Tensor(np.ones(2)).sum(axis="a"), (1.0,), {}) is None
