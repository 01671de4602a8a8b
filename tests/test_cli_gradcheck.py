"""`tinygrad-nn gradcheck FILE.py:NAME`: exit 0 on a correct activation, 1 on a wrong one (with the shrunk
input and the report), 2 on bad usage (missing file or name, not callable, code that is broken itself)
with a one-line message first and no traceback; nothing is written to the current directory."""

import os
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

    def returns_array(x):
        return np.tanh(x.data)

    def detached(x):
        return tg.Tensor(np.tanh(x.data))

    def raises(x):
        raise ValueError("no inputs please")

    def raises_on_large_inputs(x):
        if (abs(x.data) > 500).any():
            raise ValueError("too large")
        return x.tanh()

    def exits(x):
        import sys
        sys.exit(3)

    class NoBackward(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

    def sums(x):
        return x.sum()
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


@pytest.mark.parametrize("bounds", [["--bounded=-1,1"], ["--bounded", "-1,1"], ["--bounded", "-1.5,"]])
def test_a_callable_with_declared_properties_passes(user_file, capsys, bounds):
    code, out, _ = run(capsys, f"{user_file}:softsign", "--examples", "20", "--monotone", "increasing",
                       "--odd", "--zero-at-zero", *bounds)
    assert code == 0 and "monotone increasing" in out and "odd" in out and "bounded (-1." in out


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
    assert "np.float64" not in out and "array(" in out           # numbers as users write them


@pytest.mark.parametrize("name, reason", [
    ("returns_array", "returns_array returned numpy.ndarray, not a Tensor"),
    ("detached", "detached returned a Tensor that does not depend on its input"),
    ("raises", "raises raised ValueError: no inputs please (at x = [-5.0, -2.0,"),
    ("NoBackward", "NoBackward has no backward"),
    ("exits", "exits called sys.exit(3)"),
    ("sums", "sums returned shape () for an input of shape (10,)"),
])
def test_broken_user_code_exits_2_with_the_reason_first(user_file, capsys, name, reason):
    code, out, err = run(capsys, f"{user_file}:{name}", "--examples", "5")
    assert code == 2 and out == ""                                # nothing before the reason
    assert err.splitlines() == [err.strip()] and err.startswith(f"tinygrad-nn: error: {reason}")


def test_code_that_raises_at_a_drawn_input_exits_2_naming_the_input(user_file, capsys):
    code, out, err = run(capsys, f"{user_file}:raises_on_large_inputs", "--examples", "100")
    assert code == 2 and "Falsifying example" not in out and "Failing test case" not in out
    assert err.startswith("tinygrad-nn: error: raises_on_large_inputs raised ValueError: too large "
                          "(at the drawn input x=array(") and len(err.splitlines()) == 1


def test_nothing_is_written_to_the_current_directory(user_file, tmp_path):
    # hypothesis would create ./.hypothesis (its cache, even without an example database)
    folder = tmp_path / "work"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    result = subprocess.run([sys.executable, "-m", "tinygrad_nn", "gradcheck", f"{user_file}:Swish",
                             "--examples", "5"], capture_output=True, text=True, timeout=600, cwd=folder, env=env)
    assert result.returncode == 0, result.stderr
    assert list(folder.iterdir()) == []


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
                            capture_output=True, text=True, timeout=600)
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
