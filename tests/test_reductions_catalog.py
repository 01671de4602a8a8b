"""The rows of the ops table (docs/ops.md) for the reductions, shape ops and losses: every name they give
exists (a numpy name records an op), every public op of these areas is named once, and the gradients they
state at kinks are the ones the ops give."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn
from tinygrad_nn.engine import dispatch
from tinygrad_nn.engine.methods import ReductionMethods, ShapeMethods
from tinygrad_nn.engine.ops.reduce_more import CATALOG as REDUCTIONS
from tinygrad_nn.engine.ops.shape_more import CATALOG as SHAPE
from tinygrad_nn.functional.losses_catalog import CATALOG as LOSSES

ROWS = REDUCTIONS + SHAPE + LOSSES
NAMED_ELSEWHERE = {"Tensor.sum", "Tensor.mean", "Tensor.max", "Tensor.min", "Tensor.softmax", "Tensor.log_softmax",
                   "Tensor.reshape", "Tensor.transpose", "Tensor.T", "Tensor.broadcast_to"}  # rows of their own
NUMPY_NAMED_ELSEWHERE = {np.where, np.sum, np.mean, np.max, np.amax, np.min, np.amin, np.reshape, np.transpose,
                         np.swapaxes, np.moveaxis, np.expand_dims, np.squeeze, np.concatenate, np.stack, np.clip,
                         np.broadcast_to, np.split}
LOSS_MODULES = {"CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "SmoothL1Loss",
                "HuberLoss", "KLDivLoss", "Flatten", "Unflatten"}


def resolve(name):
    owner, _, attribute = name.partition(".")
    if owner == "np":
        function = np
        for part in attribute.split("."):
            function = getattr(function, part)
        assert function in dispatch.FUNCTIONS, f"{name} records no op"
        return function
    return getattr({"Tensor": tg.Tensor, "tg": tg, "F": F, "nn": nn}[owner], attribute)


def named():
    return [name for row in ROWS for name in row["api"]]


def test_every_name_exists_once_and_every_row_says_value_and_derivative():
    names = named()
    for name in names:
        resolve(name)
    assert len(names) == len(set(names))
    for row in ROWS:
        assert row["value"].strip() and row["derivative"].strip(), row["op"]
        assert not row.get("checks") or row.get("kinks"), row["op"]


def test_every_public_op_of_these_areas_is_named():
    public = {f"Tensor.{name}" for cls in (ReductionMethods, ShapeMethods) for name in vars(cls)
              if not name.startswith("_")} - NAMED_ELSEWHERE
    public |= {f"F.{name}" for name in F.__all__ if name in F.losses.__all__ + F.losses_regression.__all__
               + F.losses_margin.__all__ + ["pad"]}
    public |= {f"nn.{name}" for name in LOSS_MODULES}
    numpy_names = set(named())
    public_numpy = {function for function in dispatch.FUNCTIONS if function not in NUMPY_NAMED_ELSEWHERE}
    assert public <= set(named()), sorted(public - set(named()))
    assert {resolve(name) for name in numpy_names if name.startswith("np.")} == public_numpy


@pytest.mark.parametrize("row", [row for row in ROWS if row.get("checks")], ids=lambda row: row["op"])
def test_the_gradients_stated_at_kinks_are_the_ones_the_op_gives(row):
    for point, expected in row["checks"]:
        x = tg.Tensor(np.array(point, dtype=np.float64), requires_grad=True)
        probe = row.get("probe") or (lambda t: getattr(t, row["api"][0].split(".")[1])())
        out = probe(x)
        out.backward(np.ones(out.shape))
        np.testing.assert_array_equal(x.grad, np.broadcast_to(expected, x.shape), err_msg=f"{row['op']} at {point}")
