"""Every subcommand turns a user's mistake into ONE line on stderr and exit code 2: user code that raises or
calls sys.exit anywhere it runs (extra_repr, named_modules, parameters, a property, the report's last run),
argparse's own errors, values such as ``-1,3`` or ``-inf`` after an option, and numeric options that are
nan, infinite, negative, zero, too tiny or too large. Never a traceback, never the model's exit code."""

import subprocess
import sys
import textwrap

import pytest

from cli_runner import cli

MODELS = textwrap.dedent("""
    import sys
    import tinygrad_nn as tg

    class Lin(tg.nn.Module):
        def __init__(self):
            self.lin = tg.nn.Linear(3, 2)

        def forward(self, x):
            return self.lin(x)

    class ReprRaises(Lin):
        def extra_repr(self):
            raise RuntimeError("repr boom")

    class ReprExits(Lin):
        def extra_repr(self):
            sys.exit(4)

    class WalkRaises(Lin):
        def named_children(self):
            raise RuntimeError("walk boom")

    class WalkExits(Lin):
        def named_children(self):
            sys.exit(5)

    class ParametersRaise(Lin):
        def parameters(self):
            raise RuntimeError("parameters boom")

        def named_parameters(self):
            raise RuntimeError("parameters boom")

    class ParametersExit(Lin):
        def parameters(self):
            sys.exit(6)

        def named_parameters(self):
            sys.exit(6)

    class ReturnsNumber(Lin):
        def forward(self, x):
            return 3.0

    class Holder:
        @property
        def net(self):
            raise RuntimeError("property boom")

        @property
        def quits(self):
            sys.exit(8)

    repr_raises, repr_exits, walk_raises, walk_exits = ReprRaises(), ReprExits(), WalkRaises(), WalkExits()
    parameters_raise, parameters_exit = ParametersRaise(), ParametersExit()
    returns_number = ReturnsNumber()
    holder = Holder()
    net = tg.nn.MLP([3, 4, 1])
    number = 3

    def two_lines():
        raise RuntimeError("line one\\nline two")
""")

ACTIVATIONS = textwrap.dedent("""
    import sys

    def swish(x):
        return x * x.sigmoid()

    CALLS = []

    def exits_at_the_report(x):   # fine for the first run and the drawn inputs, quits when the report runs it
        if x.data.tolist() == [-5.0, -2.0, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 2.0, 5.0]:
            CALLS.append(1)
            if len(CALLS) > 1:
                sys.exit(9)
        return x.tanh()

    def returns_number(x):
        return 3.0

    number = 3
""")


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "act.py").write_text(ACTIVATIONS)
    (tmp_path / "syntax.py").write_text("def f(:\n")
    (tmp_path / "folder").mkdir()
    return tmp_path


def usage_error(capsys, *argv):
    """Run the command line, check it gave exit code 2 and one error line; return that line."""
    code, _, err = cli(capsys, *argv)
    assert code == 2, (code, err)
    assert err.count("\n") == 1 and err.startswith("tinygrad-nn") and ": error: " in err, err
    assert "Traceback" not in err
    return err.rstrip("\n")


# ------------------------------------------------------------- user code that runs after the model is made
@pytest.mark.parametrize("argv, message", [
    (["draw", "models.py:repr_raises", "--what", "module", "-o", "x.dot"],
     "drawing the module tree of repr_raises failed: RuntimeError: repr boom"),
    (["draw", "models.py:repr_exits", "--what", "module", "-o", "x.dot"],
     "drawing the module tree of repr_exits failed: it called sys.exit(4)"),
    (["draw", "models.py:parameters_raise", "--what", "module", "-o", "x.dot"],
     "drawing the module tree of parameters_raise failed: RuntimeError: parameters boom"),
    (["draw", "models.py:walk_raises", "--what", "network", "-o", "x.dot"],
     "drawing the network of walk_raises failed: RuntimeError: walk boom"),
    (["draw", "models.py:walk_exits", "--what", "network", "-o", "x.dot"],
     "drawing the network of walk_exits failed: it called sys.exit(5)"),
    (["draw", "models.py:parameters_raise", "--input-shape", "2,3", "-o", "x.dot"],
     "drawing the graph of parameters_raise failed: RuntimeError: parameters boom"),
    (["compile", "models.py:parameters_raise", "--input-shape", "2,3"],
     "running parameters_raise failed: RuntimeError: parameters boom"),
    (["compile", "models.py:parameters_exit", "--input-shape", "2,3"],
     "running parameters_exit failed: it called sys.exit(6)"),
    (["gradcheck", "act.py:exits_at_the_report", "--examples", "3"],
     "checking exits_at_the_report at the report's input x = [-5.0, -2.0, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, "
     "2.0, 5.0] failed: it called sys.exit(9)"),
])
def test_user_code_that_fails_while_drawn_compiled_or_reported_is_a_usage_error(files, capsys, argv, message):
    assert usage_error(capsys, *argv) == f"tinygrad-nn: error: {message}"
    assert not (files / "x.dot").exists()


@pytest.mark.parametrize("command", [["draw", "--what", "module", "-o", "x.dot"], ["compile", "--input-shape", "2,3"],
                                     ["gradcheck"]])
@pytest.mark.parametrize("name, message", [
    ("holder.net", "looking up holder.net in models.py failed: RuntimeError: property boom"),
    ("holder.quits", "looking up holder.quits in models.py failed: it called sys.exit(8)"),
])
def test_a_property_on_the_way_to_the_name_that_fails_is_a_usage_error(files, capsys, command, name, message):
    assert usage_error(capsys, command[0], f"models.py:{name}", *command[1:]) == f"tinygrad-nn: error: {message}"


def test_an_exception_text_of_several_lines_is_printed_on_one(files, capsys):
    line = usage_error(capsys, "draw", "models.py:two_lines", "--what", "module", "-o", "x.dot")
    assert line.endswith("failed: RuntimeError: line one line two")


def test_the_exit_code_of_the_users_code_never_leaks_from_the_program(files):
    done = subprocess.run([sys.executable, "-m", "tinygrad_nn", "draw", "models.py:repr_exits", "--what", "module",
                           "-o", "x.dot"], capture_output=True, text=True, timeout=600, cwd=files)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "it called sys.exit(4)" in done.stderr


# ------------------------------------------------------------------------- targets that cannot be used
COMMANDS = {"draw": ["--what", "module", "-o", "x.dot"], "compile": ["--input-shape", "2,3"], "gradcheck": []}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("target, message", [
    ("missing.py:net", "no such file: missing.py$"),
    ("syntax.py:net", r"running syntax.py failed: SyntaxError: "),
    ("models.py:nope", "models.py has no name 'nope'; names defined there: "),
    ("models.py:number", "number in models.py (has|is of) type int: expected a "),
    ("folder:net", "folder is a folder, not a Python file$"),
])
def test_a_target_that_cannot_be_used_is_one_line_in_every_command(files, capsys, command, target, message):
    import re
    assert re.search(message, usage_error(capsys, command, target, *COMMANDS[command]))


@pytest.mark.parametrize("argv, message", [
    (["draw", "models.py:returns_number", "--input-shape", "2,3", "-o", "x.dot"],
     "returns_number returned a float, not a Tensor; cannot draw its graph"),
    (["compile", "models.py:returns_number", "--input-shape", "2,3"],
     "returns_number returned float; a compiled function must return one Tensor (e.g. the loss)"),
    (["gradcheck", "act.py:returns_number"], "returns_number returned float, not a Tensor: "),
])
def test_a_forward_that_returns_no_tensor_says_so(files, capsys, argv, message):
    line = usage_error(capsys, *argv)
    assert line.startswith(f"tinygrad-nn: error: {message}") and "check --input-shape" not in line


# ----------------------------------------------------------------------------------- --input-shape
@pytest.mark.parametrize("command", [["draw", "models.py:net", "-o", "x.dot"], ["compile", "models.py:net"]])
def test_a_negative_input_shape_after_a_space_is_explained_in_both_commands(files, capsys, command):
    for given in (["--input-shape", "-1,3"], ["--input-shape=-1,3"]):
        assert usage_error(capsys, *command, *given).endswith("got '-1,3' (-1 is not a positive size)")


@pytest.mark.parametrize("command", ["draw", "compile"])
def test_the_input_size_refusal_names_the_command(files, capsys, command):
    extra = ["-o", "x.dot"] if command == "draw" else []
    line = usage_error(capsys, command, "models.py:net", "--input-shape", "99999999999,3", *extra)
    assert f"is 299,999,999,997 numbers, more than the 1,000,000 the {command} command builds" in line
    line = usage_error(capsys, command, "models.py:net", "--input-shape", ",".join(["1"] * 70), *extra)
    assert f"has 70 sizes, more than the 32 axes the {command} command builds" in line


# ---------------------------------------------------------------------------------- numeric options
@pytest.mark.parametrize("value", ["1e-320", "1e-7", "0", "-1", "-inf", "inf", "nan"])
def test_max_magnitude_outside_its_range_is_a_usage_error(files, capsys, value):
    line = usage_error(capsys, "gradcheck", "act.py:swish", "--examples", "3", "--max-magnitude", value)
    assert "--max-magnitude must be a number from 1e-06 to 1.798e+308 (the largest finite float64), got " in line


def test_max_magnitude_is_checked_against_the_dtype(files, capsys):
    line = usage_error(capsys, "gradcheck", "act.py:swish", "--dtype", "float32", "--max-magnitude", "1e300")
    assert line.endswith("from 1e-06 to 3.403e+38 (the largest finite float32), got 1e+300")
    for value in ("1e15", "1e-6"):   # not float32 numbers: the nearest one below is drawn
        code, out, err = cli(capsys, "gradcheck", "act.py:swish", "--examples", "3", "--dtype", "float32",
                             "--max-magnitude", value)
        assert code == 0 and "PASSED" in out, err


@pytest.mark.parametrize("bounds, why", [
    ("nan,1", "(nan is not a finite number)"), ("-1,inf", "(inf is not a finite number)"),
    ("-inf,", "(-inf is not a finite number)"), ("1,-1", "(LOW is above HIGH)"),
    (",", "(both sides empty: give at least one bound)"),
])
def test_bounded_must_be_finite_and_ordered(files, capsys, bounds, why):
    line = usage_error(capsys, "gradcheck", "act.py:swish", "--examples", "3", "--bounded", bounds)
    assert "--bounded must be LOW,HIGH: finite numbers with LOW <= HIGH" in line and line.endswith(why)


@pytest.mark.parametrize("value", ["0", "-5", "1000000"])
def test_examples_outside_its_range_is_a_usage_error(files, capsys, monkeypatch, value):
    import tinygrad_nn.testing

    def no_check(*args, **kwargs):
        raise AssertionError("the check started")

    monkeypatch.setattr(tinygrad_nn.testing, "check_activation", no_check)
    line = usage_error(capsys, "gradcheck", "act.py:swish", "--examples", value)
    assert line.endswith(f"--examples must be at least 1 and at most 100,000, got {value}")


@pytest.mark.parametrize("argv, message", [
    (["--hidden", "1001"], "--hidden must be at least 1 and at most 1,000, got 1001"),
    (["--steps", "1000001"], "--steps must be at least 1 and at most 1,000,000"),
    (["--lr", "1e300"], "--lr must be a positive number from 1e-08 to 1000, got 1e+300"),
    (["--lr", "1e-320"], "--lr must be a positive number from 1e-08 to 1000, got 1e-320"),
    (["--lr", "-inf"], "--lr must be a positive number from 1e-08 to 1000, got -inf"),
    (["--reg", "inf"], "--reg must be a finite number >= 0, got inf"),
    (["--reg", "3"], "--lr times --reg must be below 2, got 1 * 3 = 3"),
    (["--seed", str(2**63)], "--seed must be an integer from 0 to 9223372036854775806 (2**63-2)"),
])
def test_demo_numbers_outside_their_range_are_refused_before_training(files, capsys, monkeypatch, argv, message):
    from tinygrad_nn.commands import demo

    def no_training(*args, **kwargs):
        raise AssertionError("the demo started training")

    monkeypatch.setattr(demo, "train", no_training)
    assert message in usage_error(capsys, "demo", "--quick", "--no-progress", "--out", "out", *argv)


# ------------------------------------------------------------------------------ argparse's own errors
@pytest.mark.parametrize("argv, message", [
    (["gradcheck", "act.py:swish", "--examples", "1e3"], "argument --examples: invalid int value: '1e3'"),
    (["gradcheck", "act.py:swish", "--max-magnitude", "-inf"], "--max-magnitude must be a number from 1e-06"),
    (["draw", "models.py:net", "--input-shape", "2,3"], "the following arguments are required: -o/--output"),
    (["compile", "models.py:net", "--input-shape"], "argument --input-shape: expected one argument"),
])
def test_argparse_errors_are_one_line_too(files, capsys, argv, message):
    line = usage_error(capsys, *argv)
    assert message in line and "usage:" not in line
