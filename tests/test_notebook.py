"""Jupyter shows the library's objects richly: one notebook, executed by a real kernel, checked output by output.

The notebook is built here with nbformat and run with nbclient on the
``python3`` kernel of this interpreter (ipykernel from the same environment),
in one kernel start. Every Jupyter directory points into a temporary folder,
so no kernelspec, runtime or profile file is written outside it.

Each rich output must be present and parse: HTML with ``html.parser`` (tags
properly nested), SVG with ``xml.etree``. The plain ``repr`` stays as it is.
"""

import json
import os
import pathlib
import re
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from html_checks import parse_html

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = pathlib.Path(__file__).resolve().parent.parent


SETUP = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
import tinygrad_nn as tg
from tinygrad_nn import nn, viz, functional as F

tg.manual_seed(0)
net = nn.MLP([2, 4, 3])
x = tg.Tensor(np.random.default_rng(0).normal(size=(5, 2)), requires_grad=True)
with nn.watch_units(net) as watcher:
    loss = F.cross_entropy(net(x), np.array([0, 1, 2, 0, 1]))
activation = (x * 2.0).tanh()
print(sys.executable)
"""

# (name, code of the cell whose value Jupyter displays)
CELLS = [
    ("summary", "nn.summary(net, input_size=(5, 2))"),
    ("watcher", "watcher"),
    ("module", "net"),
    ("tensor", "activation"),
    ("gradcheck", "tg.gradcheck(lambda t: t.tanh(), (np.linspace(-1.0, 1.0, 5),))"),
    ("check_graph", "tg.check_graph(loss)"),
    ("drawing", "viz.draw_graph(loss, model=net)"),
]

FACTS = """
import json
print(json.dumps({"summary_text": str(nn.summary(net, input_size=(5, 2))), "module_text": repr(net),
                  "grad_fn": activation.grad_fn.name}))
"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """``(outputs by cell name, printed setup lines, facts)`` from one run of the notebook."""
    folder = tmp_path_factory.mktemp("notebook")
    jupyter = {name: str(folder / name) for name in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR",
                                                      "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR")}
    jupyter["JUPYTER_PATH"] = str(folder / "jupyter_path")
    saved = {name: os.environ.get(name) for name in jupyter}
    os.environ.update(jupyter)
    try:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = ([nbformat.v4.new_code_cell(SETUP)]
                          + [nbformat.v4.new_code_cell(code, metadata={"name": name}) for name, code in CELLS]
                          + [nbformat.v4.new_code_cell(FACTS)])
        client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=600,
                                         resources={"metadata": {"path": str(folder)}})
        client.execute()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    outputs = {}
    for cell in notebook.cells[1:-1]:
        results = [output for output in cell.outputs if output.output_type == "execute_result"]
        assert len(results) == 1, f"cell {cell.metadata['name']} displayed {cell.outputs}"
        outputs[cell.metadata["name"]] = results[0].data
    setup_lines = "".join(output.get("text", "") for output in notebook.cells[0].outputs).split()
    facts = json.loads("".join(output.get("text", "") for output in notebook.cells[-1].outputs))
    return outputs, setup_lines, facts


def rich(outputs, name, mime):
    """The output ``mime`` of cell ``name`` (it must be there)."""
    data = outputs[name].get(mime)
    assert data is not None, f"cell {name!r} shows no {mime}: {outputs[name]}"
    return data


def test_the_kernel_is_this_environments_python(executed):
    _, setup_lines, _ = executed
    assert setup_lines == [sys.executable]


def test_a_summary_shows_as_an_html_table_and_its_plain_repr_stays_the_text_table(executed):
    outputs, _, facts = executed
    tags, text = parse_html(rich(outputs, "summary", "text/html"))
    assert "table" in tags and tags.count("tr") == 1 + 3 + 1         # header, 3 rows, total
    assert "MLP summary" in text and "(5, 4)" in text and "a 2-layer network" in text
    assert outputs["summary"]["text/plain"] == facts["summary_text"]


def test_a_unit_watcher_shows_its_report_with_a_bar_per_fraction(executed):
    outputs, _, _ = executed
    tags, text = parse_html(rich(outputs, "watcher", "text/html"))
    assert "table" in tags and tags.count("svg") == 2                # dead and inactive for layers.1
    assert "layers.1" in text and "unit report over the last 5 inputs" in text


def test_a_module_shows_as_a_foldable_tree_and_its_plain_repr_stays_the_text_tree(executed):
    outputs, _, facts = executed
    tags, text = parse_html(rich(outputs, "module", "text/html"))
    assert tags.count("details") == 2 and "(0): Linear(in_features=2, out_features=4, bias=True)" in text
    assert outputs["module"]["text/plain"] == facts["module_text"]


def test_a_tensor_shows_its_shape_dtype_and_grad_fn(executed):
    outputs, _, facts = executed
    _, text = parse_html(rich(outputs, "tensor", "text/html"))
    assert "(5, 2)" in text and "float64" in text and facts["grad_fn"] in text


@pytest.mark.parametrize("name", ["gradcheck", "check_graph"])
def test_gradient_check_results_show_as_html(executed, name):
    outputs, _, _ = executed
    tags, text = parse_html(rich(outputs, name, "text/html"))
    assert tags and text.strip()


def test_a_drawing_shows_as_svg_and_says_what_it_is(executed):
    outputs, _, _ = executed
    svg = ElementTree.fromstring(rich(outputs, "drawing", "image/svg+xml"))
    assert svg.tag.endswith("svg") and len(list(svg.iter())) > 10
    plain = rich(outputs, "drawing", "text/plain")
    assert re.fullmatch(r"Drawing: computation graph, \d+ nodes", plain), plain
