"""``tinygrad-nn demo``: quick runs through the command line, files, accuracy, reproducibility, usage."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

import tinygrad_nn as tg
from tinygrad_nn.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
NET_LINE = re.compile(r"2-layer net \((\d+) hidden ReLUs\): training accuracy ([\d.]+)%, "
                      r"held-out accuracy ([\d.]+)% \(final loss ([\d.]+)")
LINEAR_LINE = re.compile(r"linear softmax classifier: training accuracy ([\d.]+)%, held-out accuracy ([\d.]+)%")


def net_result(text):
    """(training accuracy in %, final loss) from the demo's output."""
    match = NET_LINE.search(text)
    assert match, f"no accuracy line in:\n{text}"
    return float(match.group(2)), float(match.group(4))


def drawings_text(folder, stem):
    """The text of ``stem.svg``; ``stem.dot`` is accepted only when no renderer can be found."""
    if tg.viz.find_renderer() is not None:   # always after pip install: graphviz-pure is a dependency
        assert not (folder / f"{stem}.dot").exists(), f"{stem}.svg was not rendered"
        return (folder / f"{stem}.svg").read_text()
    return (folder / f"{stem}.dot").read_text()


def run_in_process(capsys, *argv):
    code = main(["demo", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_quick_demo_through_the_command_line(tmp_path):
    out = tmp_path / "demo out"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-m", "tinygrad_nn", "demo", "--quick", "--out", str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout
    assert "a 2-layer network: 1 hidden layer, 103 neurons, 500 weights, 103 biases, 603 parameters" in text
    assert "unit report" in text and "layers.1" in text
    accuracy, _ = net_result(text)
    held_out_accuracy = float(NET_LINE.search(text).group(3))
    linear_accuracy, linear_held_out = map(float, LINEAR_LINE.search(text).groups())
    assert accuracy > 90 and linear_accuracy < 70    # the spiral defeats a linear classifier
    assert held_out_accuracy > 85 and linear_held_out < 70
    assert "300 training points, 150 held-out points" in text
    assert "acc=" in result.stderr and "loss=" in result.stderr     # the progress bar
    assert ("not written" in text) == (tg.viz.find_renderer() is None)     # the .dot fallback's note
    png = (out / "decision_boundary.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    for stem in ("model", "loss_graph"):
        assert len(drawings_text(out, stem)) > 100, f"{stem} drawing missing"
    assert "Linear" in drawings_text(out, "model") and "ReLU" in drawings_text(out, "model")
    weights = tg.load(out / "model.npz")
    assert weights["layers.0.weight"].shape == (100, 2) and weights["layers.2.weight"].shape == (3, 100)


def test_same_seed_same_loss_other_seed_other_loss(capsys, tmp_path):
    results = []
    for seed, folder in [(3, "a"), (3, "b"), (4, "c")]:
        code, out, _ = run_in_process(capsys, "--quick", "--quiet", "--seed", str(seed), "--out", str(tmp_path / folder))
        assert code == 0
        results.append(net_result(out)[1])
    assert results[0] == results[1]
    assert results[0] != results[2]


def test_the_notes_setup_passes_98_percent(capsys, tmp_path):
    code, out, _ = run_in_process(capsys, "--quick", "--quiet", "--steps", "2000", "--out", str(tmp_path))
    assert code == 0
    accuracy, loss = net_result(out)
    assert accuracy > 98.0 and loss < 0.3


def test_quiet_prints_only_results(capsys, tmp_path):
    code, out, err = run_in_process(capsys, "--quick", "--quiet", "--out", str(tmp_path))
    assert code == 0
    assert "summary" not in out and "unit report" not in out and "acc=" not in err
    assert NET_LINE.search(out) and LINEAR_LINE.search(out) and "wrote" in out


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["demo", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for option in ("--out", "--seed", "--steps", "--hidden", "--lr", "--reg", "--no-progress", "--quiet",
                   "--quick", "pip install -e '.[demo]'"):
        assert option in text


@pytest.mark.parametrize("argv, words", [
    (["--steps", "0"], ["--steps", "at least 1"]),
    (["--hidden", "0"], ["--hidden"]),
    (["--lr", "-1"], ["--lr", "positive"]),
    (["--reg", "nan"], ["--reg"]),
])
def test_bad_values_exit_2_with_a_message(capsys, tmp_path, argv, words):
    code, _, err = run_in_process(capsys, *argv, "--out", str(tmp_path))
    assert code == 2
    for word in words:
        assert word in err


def test_out_must_be_a_folder(capsys, tmp_path):
    file = tmp_path / "a_file"
    file.write_text("not a folder")
    code, _, err = run_in_process(capsys, "--quick", "--out", str(file))
    assert code == 2 and "not a folder" in err


def test_an_out_folder_that_cannot_be_made_exits_2_before_training(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should go")
    code, out, err = run_in_process(capsys, "--quick", "--out", str(blocker / "inside"))
    assert code == 2 and "cannot create the --out folder" in err and "training accuracy" not in out


@pytest.mark.parametrize("package, argv", [("matplotlib", ["--no-progress"]), ("tqdm", [])])
def test_missing_optional_package_names_the_install_command(capsys, monkeypatch, tmp_path, package, argv):
    monkeypatch.setitem(sys.modules, package, None)    # makes `import package` raise ImportError
    code, _, err = run_in_process(capsys, "--quick", *argv, "--out", str(tmp_path))
    assert code == 2
    assert package in err and "pip install -e '.[demo]'" in err
    assert not any(tmp_path.iterdir())


def test_no_progress_does_not_need_tqdm(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    code, out, _ = run_in_process(capsys, "--quick", "--no-progress", "--out", str(tmp_path))
    assert code == 0 and NET_LINE.search(out)
    assert (tmp_path / "decision_boundary.png").exists()
