"""Every script in examples/ runs to completion in quick mode (TINYGRAD_NN_QUICK=1)."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, TINYGRAD_NN_QUICK="1", MPLBACKEND="Agg", PYTHONPATH=path)
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    assert result.stdout.strip(), f"{script.name} printed nothing"


def test_there_are_examples():
    assert EXAMPLES, "examples/ holds no scripts"


def test_the_activation_zoo_draws_its_picture_and_checks_every_activation(tmp_path):
    picture = tmp_path / "zoo.png"
    env = dict(os.environ, TINYGRAD_NN_QUICK="1", MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "activation_zoo.py"), str(picture)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "20 of 20 backward passes agree with central differences" in result.stdout
    assert "relu6" in result.stdout and "f'(0) = 0, f'(6) = 0" in result.stdout


def test_the_compile_example_prints_the_generated_backward_and_agrees_with_eager(tmp_path):
    script = ROOT / "examples" / "compile_backprop_code.py"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, TINYGRAD_NN_QUICK="1", PYTHONPATH=path)
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "def backward(dloss, W1, W2" in result.stdout
    assert "dhidden_layer *= hidden_layer > 0" in result.stdout
    assert "same loss and gradients as the eager net, bit for bit: True" in result.stdout
