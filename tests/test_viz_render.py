"""viz.render: .dot always; .svg that parses as XML and holds the labels and .png that opens,
with no system Graphviz (the graphviz-pure program installed from PyPI)."""

import pathlib
import re
import shutil
import struct
import xml.etree.ElementTree as ET
import zlib

import graphviz
import numpy as np
import pytest

import tinygrad_nn as tg
import tinygrad_nn.functional as F
from tinygrad_nn import viz

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def no_system_graphviz(monkeypatch):
    """PATH without any Graphviz: only this Python's own scripts folder can supply a renderer."""
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("TINYGRAD_NN_DOT", raising=False)
    assert shutil.which("dot") is None


def mlp_loss():
    tg.manual_seed(0)
    model = tg.nn.MLP([2, 8, 8, 3])
    x, y = tg.data.spiral(n_per_class=4, n_classes=3)
    loss = F.cross_entropy(model(tg.Tensor(x, name="x")), y)
    loss.backward()
    return model, loss


def read_png(path):
    """(width, height) of a PNG after checking its signature, every chunk's CRC and the pixel data size."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, []
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in chunk {kind}"
        chunks.append((kind, body))
        position += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, bit_depth, colour_type = struct.unpack(">IIBB", chunks[0][1][:10])
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(pixels) == height * (1 + (width * channels * bit_depth + 7) // 8)
    return width, height


def test_dot_needs_no_renderer(tmp_path):
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    graph = viz.draw_graph((x * x).sum())
    out = viz.render(graph, tmp_path / "graph.dot", renderer="no-such-program")
    assert out.read_text() == graph.source
    assert viz.render(graph.source, tmp_path / "same.gv").read_text() == graph.source


def test_renderer_is_found_without_a_system_graphviz(no_system_graphviz):
    found = viz.find_renderer()
    assert found is not None and "graphviz-pure" in found


def test_svg_parses_as_xml_and_holds_the_labels(tmp_path, no_system_graphviz):
    model, loss = mlp_loss()
    path = viz.render(viz.draw_graph(loss, grads=True), tmp_path / "graph.svg")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    texts = {element.text for element in root.iter(f"{SVG}text")}
    for name, _ in model.named_parameters():
        assert name in texts
    assert {"Affine", "ReLU", "SoftmaxCrossEntropy", "layers.2 (Linear)"} <= texts
    norm = np.linalg.norm(model.layers[0].weight.grad)
    assert f"grad norm {norm:.3g}" in texts


def test_png_opens_and_a_3_layer_mlp_with_loss_fits_a_screen(tmp_path, no_system_graphviz):
    _, loss = mlp_loss()
    width, height = read_png(viz.render(viz.draw_graph(loss), tmp_path / "graph.png"))
    assert 200 < width <= 2000 and 200 < height <= 2600


def test_module_tree_and_network_render(tmp_path, no_system_graphviz):
    model = tg.nn.MLP([3, 4, 4, 1])
    tree = ET.parse(viz.render(viz.draw_module(model), tmp_path / "tree.svg")).getroot()
    assert "layers.2: Linear" in {element.text for element in tree.iter(f"{SVG}text")}
    width, height = read_png(viz.render(viz.draw_network(model), tmp_path / "net.png"))
    assert width > height > 100


def test_a_missing_renderer_says_what_to_install(tmp_path):
    graph = viz.draw_module(tg.nn.Linear(2, 1))
    with pytest.raises(viz.RendererNotFoundError, match=r"pip install graphviz-pure.*apt-get install graphviz"):
        viz.render(graph, tmp_path / "tree.svg", renderer="no-such-graphviz-program")
    assert not (tmp_path / "tree.svg").exists()


def test_an_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.pdf is not one of .*\.dot, \.gv, \.png, \.svg"):
        viz.render(viz.draw_module(tg.nn.Linear(2, 1)), tmp_path / "tree.pdf")
    with pytest.raises(TypeError, match="graphviz.Digraph"):
        viz.render(42, tmp_path / "x.dot")


def test_render_creates_missing_folders(tmp_path, no_system_graphviz):
    out = viz.render(viz.draw_module(tg.nn.Linear(2, 1)), tmp_path / "a" / "b" / "tree.svg")
    assert ET.parse(out).getroot().tag == f"{SVG}svg"


BLOCK = re.compile(r"(?:<!-- docs-test: (?P<marker>[^>]*) -->\n)?```python\n(?P<code>.*?)```"
                   r"(?:\n\nprints\n\n```\n(?P<output>.*?)```)?", flags=re.S)


def test_the_code_of_the_visualization_docs_runs_prints_what_it_shows_and_writes_its_files(
        tmp_path, monkeypatch, capsys):
    page = pathlib.Path(__file__).resolve().parent.parent / "docs" / "visualization.md"
    blocks = list(BLOCK.finditer(page.read_text()))
    assert len(blocks) >= 5 and any(block["output"] for block in blocks)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "docs"}
    for block in blocks:
        code = compile(block["code"], str(page), "exec")
        capsys.readouterr()
        marker = block["marker"] or ""
        if marker.startswith("raises "):
            with pytest.raises(Exception) as raised:
                exec(code, namespace)
            assert type(raised.value).__name__ == marker.split()[1]
        else:
            exec(code, namespace)
        if block["output"]:
            assert capsys.readouterr().out == block["output"]
    def files(raising):
        return set(re.findall(r'"(\w+\.(?:svg|png))"', "".join(
            block["code"] for block in blocks if (block["marker"] or "").startswith("raises") == raising)))
    assert files(False) and all((tmp_path / name).stat().st_size > 0 for name in files(False))
    assert files(True) and not any((tmp_path / name).exists() for name in files(True))   # no half picture


def test_drawings_display_inline_in_jupyter_without_a_system_graphviz(no_system_graphviz):
    _, loss = mlp_loss()
    graph = viz.draw_graph(loss)
    assert isinstance(graph, graphviz.Digraph)
    bundle = graph._repr_mimebundle_()
    assert sorted(bundle) == ["image/svg+xml", "text/plain"]          # the picture once, and what it is
    assert bundle["text/plain"] == repr(graph) == "Drawing: computation graph, 20 nodes"
    assert ET.fromstring(bundle["image/svg+xml"].encode()).tag == f"{SVG}svg"
    assert ET.fromstring(graph._repr_svg_().encode()).tag == f"{SVG}svg"
    assert graph._repr_mimebundle_(include=["image/png"])["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "layers.0 (Linear)" in graph.pipe(encoding="utf-8")
    for drawing in (viz.draw_module(tg.nn.Linear(2, 1)), viz.draw_network(tg.nn.MLP([2, 2]))):
        assert "<svg" in drawing._repr_mimebundle_()["image/svg+xml"]


def test_render_and_view_work_as_in_graphviz_without_a_system_graphviz_and_leave_no_dot_file(
        tmp_path, no_system_graphviz, monkeypatch):
    _, loss = mlp_loss()
    drawing = viz.draw_graph(loss)
    written = drawing.render(tmp_path / "graph", format="png")          # torchviz's habit
    assert written == str(tmp_path / "graph.png") and read_png(pathlib.Path(written))
    assert ET.parse(drawing.render(outfile=tmp_path / "graph.svg")).getroot().tag == f"{SVG}svg"
    assert drawing.render(tmp_path / "same", directory=None, format="dot").endswith("same.dot")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["graph.png", "graph.svg", "same.dot"]
    with pytest.raises(ValueError, match="format 'pdf' is not one of dot, gv, png, svg"):
        drawing.render(tmp_path / "graph", format="pdf")
    opened = []
    monkeypatch.setattr(graphviz, "view", lambda path, quiet=False: opened.append(pathlib.Path(path)))
    shown = pathlib.Path(drawing.view())
    assert opened == [shown] and shown.suffix == ".svg" and list(shown.parent.iterdir()) == [shown]
    shutil.rmtree(shown.parent)  # the viewer's temporary folder stays for the viewer; the test removes it
