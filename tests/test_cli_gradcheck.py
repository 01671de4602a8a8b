"""`tinygrad-nn gradcheck FILE.py:NAME`: exit 0 on a correct activation, 1 on a wrong one (with the shrunk
input and the report), 2 on bad usage (missing file or name, not callable) with a message and no traceback."""

import subprocess
import sys
import textwrap

import pytest

from tinygrad_nn.cli import main

ACTIVATIONS = textwrap.dedent('''
    import numpy as np
    import tinygrad_nn as tg

    class Swish(tg.Function):
        @staticmethod
        def forward(ctx, x):
            s = np.exp(-np.logaddexp(0.0, -x))          # sigmoid without overflow
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, grad):
            x, s = ctx.saved_tensors
            return grad * (s + x * s * (1.0 - s))

    class WrongSwish(Swish):
        @staticmethod
        def backward(ctx, grad):
            x, s = ctx.saved_tensors
            return grad * s

    def softsign(x):
        return x / (1.0 + x.abs())

    def add(a, b):
        return a + b

    SLOPE = 0.1
''')


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "activations.py"
    path.write_text(ACTIVATIONS)
    return str(path)


def run(capsys, *argv):
    code = main(["gradcheck", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_correct_function_class_passes(user_file, capsys):
    code, out, _ = run(capsys, f"{user_file}:Swish", "--examples", "20", "--seed", "3")
    assert code == 0
    assert "PASSED: Swish over 20 drawn input(s)" in out and "gradcheck of Swish: passed" in out


def test_a_callable_with_declared_properties_passes(user_file, capsys):
    code, out, _ = run(capsys, f"{user_file}:softsign", "--examples", "20", "--monotone", "increasing",
                       "--odd", "--zero-at-zero", "--bounded=-1,1")
    assert code == 0 and "monotone increasing" in out and "odd" in out


def test_float32_inputs_are_drawn_and_checked_in_float64(user_file, capsys):
    code, out, _ = run(capsys, f"{user_file}:Swish", "--examples", "10", "--dtype", "float32")
    assert code == 0 and "dtype float32 (checked on float64 copies)" in out


def test_a_wrong_backward_exits_1_with_the_shrunk_input_and_the_report(user_file, capsys):
    code, out, _ = run(capsys, f"{user_file}:WrongSwish", "--examples", "20")
    assert code == 1
    assert "FAILED: WrongSwish" in out and "x=array(" in out
    assert "Falsifying example" in out or "Failing test case" in out  # older / newer hypothesis
    assert "wrong element" in out and "analytic" in out and "numerical" in out


def test_a_declared_property_that_fails_exits_1(user_file, capsys):
    code, out, _ = run(capsys, f"{user_file}:Swish", "--examples", "50", "--monotone", "increasing")
    assert code == 1 and "declared monotone increasing" in out


@pytest.mark.parametrize("target, words", [
    ("missing.py:Swish", "no such file"),
    ("{file}:Nope", "has no name 'Nope'"),
    ("{file}:SLOPE", "expected a Function subclass or a callable"),
    ("{file}:add", "takes 2 required argument(s)"),
    ("{file}", "expected FILE.py:NAME"),
])
def test_bad_usage_exits_2_with_a_message(user_file, capsys, target, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, target.format(file=user_file))
    assert code == 2 and words in err and "Traceback" not in err + out


def test_a_file_that_fails_to_import_exits_2(tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("import numpy as np\nraise RuntimeError('oops')\n")
    code, _, err = run(capsys, f"{broken}:f")
    assert code == 2 and "RuntimeError: oops" in err


def test_the_installed_command_prints_no_traceback(user_file):
    result = subprocess.run([sys.executable, "-m", "tinygrad_nn", "gradcheck", f"{user_file}:Nope"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "tinygrad-nn: error:" in result.stderr


def test_the_seed_fixes_the_drawn_inputs(tmp_path, capsys):
    log = tmp_path / "seen.txt"
    recorder = tmp_path / "recorder.py"
    recorder.write_text(textwrap.dedent(f'''
        def logged_tanh(x):
            with open({str(log)!r}, "a") as seen:
                seen.write(repr(x.data.tolist()) + "\\n")
            return x.tanh()
    '''))

    def inputs_seen(seed):
        log.write_text("")
        assert run(capsys, f"{recorder}:logged_tanh", "--examples", "10", "--seed", seed)[0] == 0
        return log.read_text()

    assert inputs_seen("5") == inputs_seen("5") != inputs_seen("6")
