"""The ops catalog behind docs/ops.md: complete, true to the code, and the doc shows exactly its table.

Completeness means: every public op a user can call (Tensor methods and
arithmetic operators, ``tg`` functions, ``F`` functions, ``nn`` modules that
compute something, numpy functions that record an op on Tensors) is named by
exactly one entry, and every name an entry gives exists. The gradients an
entry claims at its kinks are computed and compared.
"""

import inspect
import pathlib

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import catalog, functional as F, nn
from tinygrad_nn.catalog.__main__ import main as rewrite_main
from tinygrad_nn.engine import dispatch
from tinygrad_nn.engine.tensor_ops import TensorOps

ROOT = pathlib.Path(__file__).parent.parent
DOC = ROOT / "docs" / "ops.md"

# public names that are not ops: utilities, modes, containers
NOT_OPS_TG = {"no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "manual_seed", "save", "load",
              "gradcheck", "gradgradcheck", "check_graph", "ops_table", "compile", "set_grad_enabled",
              "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
              "full_like", "rand", "randn", "rand_like", "randn_like", "arange", "linspace", "eye", "tensor",
              "from_numpy",  # factories make leaves: no op
              "is_tensor", "allclose"}  # Python answers about tensors
NOT_OPS_NN = {"Module", "Sequential", "ModuleList", "ModuleDict", "MLP", "Identity"}  # containers; other public names are not modules
NOT_OPS_TENSOR_OPERATORS = {"__pos__", "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__", "__and__",
                            "__rand__", "__ror__", "__rxor__",
                            "__or__", "__xor__", "__invert__"}  # identity and comparisons: no gradient
NOT_OPS_NUMPY = {np.positive, np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal}


def public_ops():
    """Every public op, as the catalog spells it (``Tensor.sin``, ``tg.sin``, ``F.gelu``, ``nn.GELU``, ``np.sin``)."""
    names = set()
    for cls in tg.Tensor.__mro__:
        if cls.__module__.startswith("tinygrad_nn.engine.methods") and cls.__name__ != "InPlaceMethods":
            names |= {f"Tensor.{name}" for name in vars(cls) if not name.startswith("_")}  # (copy_ etc. record nothing)
    operators = [name for name in vars(TensorOps) if name.startswith("__") and name.endswith("__")
                 and callable(getattr(TensorOps, name)) and name not in NOT_OPS_TENSOR_OPERATORS]
    names |= {f"Tensor.{name}" for name in operators + ["__iadd__", "__isub__", "__imul__", "__itruediv__"]}
    names |= {f"tg.{name}" for name in tg.__all__
              if inspect.isfunction(getattr(tg, name)) and name not in NOT_OPS_TG}
    names |= {f"F.{name}" for name in F.__all__}
    names |= {f"nn.{name}" for name in nn.__all__ if inspect.isclass(getattr(nn, name))
              and issubclass(getattr(nn, name), nn.Module) and name not in NOT_OPS_NN}
    numpy_functions = [*dispatch.UFUNCS, *dispatch.FUNCTIONS]
    names |= {"np." + ("linalg." if function is np.linalg.norm else "") + function.__name__
              for function in numpy_functions if function not in NOT_OPS_NUMPY}
    return names


def resolve(name):
    owner, _, attribute = name.partition(".")
    if owner == "np":
        function = np
        for part in attribute.split("."):  # np.linalg.norm
            function = getattr(function, part)
        assert function in dispatch.UFUNCS or function in dispatch.FUNCTIONS, f"{name} records no op"
        return function
    return getattr({"Tensor": tg.Tensor, "tg": tg, "F": F, "nn": nn}[owner], attribute)


def listed():
    return [name for entry in catalog.entries() for name in entry.api]


def test_every_public_op_has_an_entry():
    missing = sorted(public_ops() - set(listed()))
    assert not missing, f"ops with no catalog entry (add them to tinygrad_nn/catalog/): {missing}"


def test_every_name_in_the_catalog_exists_and_is_listed_once():
    names = listed()
    for name in names:
        resolve(name)
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert not repeated, f"named by more than one entry: {repeated}"
    assert len({entry.op for entry in catalog.entries()}) == len(catalog.entries()), "two entries share an op name"


def test_every_entry_says_what_it_computes_and_its_derivative():
    for entry in catalog.entries():
        assert entry.api and entry.value.strip() and entry.derivative.strip(), entry.op
        assert not entry.checks or entry.kinks, f"{entry.op}: checked kinks need the kinks column to state them"


def _probe(entry):
    if entry.probe is not None:
        return entry.probe
    first = entry.api[0]
    owner, _, attribute = first.partition(".")
    if owner == "Tensor":
        return lambda x: getattr(x, attribute)()
    return resolve(first)


CHECKED = [pytest.param(entry, id=entry.op) for entry in catalog.entries() if entry.checks]


@pytest.mark.parametrize("entry", CHECKED)
def test_the_gradients_stated_at_kinks_are_the_ones_the_op_gives(entry):
    for point, expected in entry.checks:
        x = tg.Tensor(np.array(point, dtype=np.float64), requires_grad=True)
        out = _probe(entry)(x)
        out.backward(np.ones(out.shape))
        np.testing.assert_array_equal(x.grad, np.broadcast_to(expected, x.shape),
                                      err_msg=f"{entry.op} at {point}")


def test_docs_ops_md_holds_exactly_the_generated_table():
    text = DOC.read_text()
    assert catalog.BEGIN in text and catalog.END in text
    assert catalog.rewrite_table(text) == text, \
        "docs/ops.md is out of date: run python -m tinygrad_nn.catalog docs/ops.md"
    for entry in catalog.entries():
        assert f"| {entry.op} |" in text


def test_the_table_command_rewrites_a_stale_page_and_refuses_one_without_markers(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text(f"# ops\n\n{catalog.BEGIN}\nold rows\n{catalog.END}\n\nafter\n")
    assert rewrite_main([str(page)]) == 0
    text = page.read_text()
    assert "old rows" not in text and "| sin |" in text and text.endswith("\n\nafter\n")
    assert rewrite_main([str(page)]) == 0 and "already up to date" in capsys.readouterr().out
    page.write_text("no markers here\n")
    with pytest.raises(ValueError, match="no table markers"):
        rewrite_main([str(page)])


def test_ops_table_is_available_from_the_package_root():
    assert tg.ops_table() == catalog.ops_table()
    assert tg.ops_table().count("### ") == len(catalog.SECTIONS)
