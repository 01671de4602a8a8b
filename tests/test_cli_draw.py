"""``tinygrad-nn draw FILE.py:NAME``: draws a user's model; bad usage gives a clear message and exit 2."""

import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

from tinygrad_nn.cli import main

MODEL_FILE = textwrap.dedent("""
    import tinygrad_nn as tg

    tg.manual_seed(0)
    net = tg.nn.MLP([3, 4, 4, 1])
    wide = tg.nn.MLP([3, 64, 2])
    not_a_model = 42

    def make():
        return tg.nn.MLP([3, 5, 2], activation=tg.nn.Tanh)

    def needs_arguments(width):
        return tg.nn.MLP([3, width, 2])
""")


BROKEN_FILE = textwrap.dedent("""
    import sys

    import tinygrad_nn as tg

    class Explodes(tg.nn.Module):
        def forward(self, x):
            raise RuntimeError("boom in forward")

    class Forgetful(tg.nn.Module):
        def forward(self, x):
            return x @ self.weight

    class Detached(tg.nn.Module):
        def forward(self, x):
            return tg.Tensor(x.data)

    class Quits(tg.nn.Module):
        def forward(self, x):
            sys.exit(3)

    class QuitsInBackward(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            sys.exit("no gradients today")

    class QuitsLater(tg.nn.Module):
        def __init__(self):
            self.scale = tg.Tensor([1.0], requires_grad=True)

        def forward(self, x):
            return QuitsInBackward.apply(x * self.scale)

    explodes = Explodes()
    forgetful = Forgetful()
    detached = Detached()
    quits = Quits()
    quits_later = QuitsLater()

    def quitting_factory():
        sys.exit(0)

    def bad_sizes():
        return tg.nn.MLP([3, "4", 2])

    def fails():
        raise RuntimeError("no weights here")

    def typo_inside():
        return tg.nn.Linear(3)
""")


@pytest.fixture
def broken_file(tmp_path):
    path = tmp_path / "broken_models.py"
    path.write_text(BROKEN_FILE)
    return path


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL_FILE)
    return path


def svg_texts(path):
    return {element.text for element in ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}text")}


def test_draws_the_graph_of_a_module_instance(model_file, tmp_path, capsys):
    out = tmp_path / "graph.svg"
    assert main(["draw", f"{model_file}:net", "--input-shape", "4,3", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    texts = svg_texts(out)
    assert {"layers.0.weight", "input", "Affine", "layers.2 (Linear)"} <= texts


def test_draws_the_module_tree_of_a_factory(model_file, tmp_path):
    out = tmp_path / "tree.svg"
    assert main(["draw", f"{model_file}:make", "--what", "module", "-o", str(out)]) == 0
    assert {"layers.0: Linear", "layers.1: Tanh"} <= svg_texts(out)


def test_draws_a_network_picture_and_gradients(model_file, tmp_path):
    net = tmp_path / "net.dot"
    assert main(["draw", f"{model_file}:net", "--what", "network", "-o", str(net)]) == 0
    assert "41 parameters" in net.read_text()
    graph = tmp_path / "graph.dot"
    assert main(["draw", f"{model_file}:net", "--input-shape", "2,3", "--grads", "--depth", "2",
                 "-o", str(graph)]) == 0
    text = graph.read_text()
    assert "grad norm" in text and "layers.0: Linear" in text and "label=Affine " not in text


@pytest.mark.parametrize("arguments, message", [
    (["{file}", "-o", "x.svg"], "expected FILE.py:NAME"),
    (["nowhere.py:net", "-o", "x.svg"], "no such file: nowhere.py"),
    (["{file}:missing", "-o", "x.svg"],
     "has no name 'missing'; names defined there: make, needs_arguments, net, not_a_model, wide$"),
    (["{file}:not_a_model", "-o", "x.svg"], "has type int: expected a tg.nn.Module"),
    (["{file}:needs_arguments", "-o", "x.svg"], "must be callable with no arguments"),
    (["{broken}:bad_sizes", "--what", "module", "-o", "x.svg"],
     r"calling bad_sizes in .*broken_models.py failed: TypeError: Linear: out_features .* got '4'"),
    (["{broken}:fails", "--what", "module", "-o", "x.svg"], "calling fails in .* failed: RuntimeError: no weights here"),
    (["{broken}:typo_inside", "--what", "module", "-o", "x.svg"], "calling typo_inside in .* failed: TypeError: "),
    (["{broken}:explodes", "--input-shape", "2,3", "-o", "x.svg"],
     r"running explodes on an input of shape \(2, 3\) failed: RuntimeError: boom in forward$"),
    (["{broken}:forgetful", "--input-shape", "2,3", "-o", "x.svg"], "running forgetful .* failed: AttributeError: "),
    (["{broken}:detached", "--input-shape", "2,3", "--grads", "-o", "x.svg"],
     "--grads: backpropagating the sum of detached's output failed: RuntimeError: backward: "),
    (["{file}:net", "-o", "x.svg"], "--what graph needs --input-shape"),
    (["{file}:net", "--input-shape", "4,x", "-o", "x.svg"], "positive integers separated by commas"),
    (["{file}:net", "--input-shape", "4,5", "-o", "x.svg"],
     r"--input-shape 4,5 gives rows of 5 numbers, but net's first layer layers.0 \(Linear\) takes "
     r"in_features=3; use --input-shape 4,3$"),
    (["{file}:net", "--input-shape", "2,6,5", "-o", "x.svg"], r"use --input-shape 2,6,3$"),
    (["{file}:net", "--input-shape", "-2,3", "-o", "x.svg"], r"got '-2,3' \(-2 is not a positive size\)$"),
    (["{file}:net", "--input-shape", "4,-3", "-o", "x.svg"], r"got '4,-3' \(-3 is not a positive size\)$"),
    (["{file}:net", "--input-shape", "4,0", "-o", "x.svg"], r"\(0 is not a positive size\)$"),
    (["{file}:net", "--input-shape", "99999999999,3", "-o", "x.svg"],
     "--input-shape 99999999999,3 is 299,999,999,997 numbers, more than the 1,000,000 the draw command builds"),
    (["{file}:net", "--input-shape", "100000,10000,3", "-o", "x.svg"], "is 3,000,000,000 numbers, more than"),
    (["{broken}:quits", "--input-shape", "2,3", "-o", "x.svg"],
     r"running quits on an input of shape \(2, 3\) failed: it called sys.exit\(3\)$"),
    (["{broken}:quits_later", "--input-shape", "2,3", "--grads", "-o", "x.svg"],
     r"--grads: backpropagating the sum of quits_later's output failed: it called sys.exit\('no gradients today'\)$"),
    (["{broken}:quitting_factory", "--what", "module", "-o", "x.svg"],
     r"calling quitting_factory in .* failed: it called sys.exit\(0\)$"),
    (["{file}:net", "--what", "module", "--grads", "-o", "x.svg"],
     "--grads only applies to --what graph, not to --what module$"),
    (["{file}:net", "--what", "network", "--input-shape", "4,3", "--depth", "1", "-o", "x.svg"],
     "--input-shape and --depth only apply to --what graph, not to --what network$"),
    (["{file}:net", "--what", "module", "--depth", "0", "-o", "x.svg"],
     "--depth only applies to --what graph, not to --what module$"),
    (["{file}:net", "--input-shape", "4,3", "-o", "x.pdf"], "use a .svg, .png or .dot suffix"),
    (["{file}:wide", "--what", "network", "-o", "x.svg"], "64 units.*--what module"),
])
def test_bad_usage_exits_2_with_a_clear_message(model_file, broken_file, tmp_path, capsys, monkeypatch,
                                                arguments, message):
    monkeypatch.chdir(tmp_path)
    arguments = [a.format(file=model_file, broken=broken_file) for a in arguments]
    assert main(["draw", *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tinygrad-nn: error: ") and err.count("\n") == 1, err
    assert re.search(message, err.rstrip("\n")), err


def test_a_valid_factory_is_not_told_it_needs_no_arguments(broken_file, tmp_path, capsys):
    assert main(["draw", f"{broken_file}:typo_inside", "--what", "module", "-o", str(tmp_path / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert "no arguments" not in err and "missing 1 required positional argument" in err


@pytest.mark.parametrize("depth", ["-1", "x", "1.5"])
def test_a_bad_depth_is_refused_by_the_parser(model_file, tmp_path, capsys, depth):
    with pytest.raises(SystemExit) as stop:
        main(["draw", f"{model_file}:net", "--input-shape", "4,3", "--depth", depth, "-o", str(tmp_path / "g.dot")])
    assert stop.value.code == 2
    assert "--depth: must be a non-negative integer" in capsys.readouterr().err
    assert not (tmp_path / "g.dot").exists()


@pytest.mark.parametrize("where, reason", [
    ("model.py/x.svg", "{tmp}/model.py is a file, not a folder"), ("folder.svg", "Is a directory")])
def test_an_unwritable_output_path_exits_2(model_file, tmp_path, capsys, where, reason):
    (tmp_path / "folder.svg").mkdir()
    assert main(["draw", f"{model_file}:net", "--what", "module", "-o", str(tmp_path / where)]) == 2
    err = capsys.readouterr().err
    assert err == f"tinygrad-nn: error: cannot write -o {tmp_path / where}: {reason.format(tmp=tmp_path)}\n"


def test_checking_the_output_path_leaves_no_file_or_folder_behind(broken_file, tmp_path, capsys):
    for out in (tmp_path / "g.svg", tmp_path / "new" / "g.svg"):
        assert main(["draw", f"{broken_file}:explodes", "--input-shape", "2,3", "-o", str(out)]) == 2
        assert "boom in forward" in capsys.readouterr().err
        assert not out.exists() and not (tmp_path / "new").exists()


def test_a_failing_renderer_exits_1_with_its_message(model_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TINYGRAD_NN_DOT", shutil.which("false"))
    assert main(["draw", f"{model_file}:net", "--what", "module", "-o", str(tmp_path / "tree.svg")]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("tinygrad-nn: error: render: ") and captured.err.count("\n") == 1
    assert "failed to write tree.svg" in captured.err and "wrote" not in captured.out


def test_bad_usage_gives_no_traceback_when_run_as_a_program(broken_file, tmp_path):
    for target, extra in [("fails", ["--what", "module"]), ("explodes", ["--input-shape", "2,3"]),
                          ("quits", ["--input-shape", "2,3"]), ("explodes", ["--input-shape", "99999999999,3"])]:
        done = subprocess.run([sys.executable, "-m", "tinygrad_nn", "draw", f"{broken_file}:{target}", *extra,
                               "-o", str(tmp_path / "x.svg")], capture_output=True, text=True, timeout=600)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1, done.stderr


def test_a_broken_model_file_is_reported_not_crashed(tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('oops in the model file')\n")
    assert main(["draw", f"{broken}:net", "--what", "module", "-o", str(tmp_path / "x.svg")]) == 2
    assert "RuntimeError: oops in the model file" in capsys.readouterr().err


def test_draw_runs_as_a_program(model_file, tmp_path):
    out = tmp_path / "tree.png"
    done = subprocess.run([sys.executable, "-m", "tinygrad_nn", "draw", f"{model_file}:net",
                           "--what", "module", "-o", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    help_text = subprocess.run([sys.executable, "-m", "tinygrad_nn", "draw", "--help"],
                               capture_output=True, text=True, timeout=600).stdout
    assert "--input-shape" in help_text and "FILE.py:NAME" in help_text
