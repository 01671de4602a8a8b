"""``tinygrad-nn gradcheck FILE.py:NAME``: check a user's activation from the command line.

``NAME`` is a ``Function`` subclass or a callable taking one Tensor and
returning one (a ``Module`` instance included); a ``Module`` class is made
with no arguments first, as ``draw`` and ``compile`` do. The command first
runs it once, forward and backward, at a fixed sample: code that is broken
(returns a numpy array, raises, has no backward, calls ``sys.exit``) is bad
usage, reported in one line before anything else. Then it runs the property-based check of
``tinygrad_nn.testing.check_activation`` over ``--examples`` drawn inputs
(``--seed`` fixes them, ``--dtype`` picks float64 or float32), prints the
report, and exits 0 when it passed, 1 when it failed (with hypothesis's
shrunk input and the gradcheck report) and 2 on bad usage.

Hypothesis keeps no example database here, and its other working files go to
a temporary folder removed when the command ends: nothing is written to the
current directory.
"""

import contextlib
import tempfile
import warnings

import numpy as np

from ..checks import GradcheckPrecisionWarning, gradcheck
from ..checks.formatting import format_number
from ..cli import UsageError, load_from_file, module_from, required_positional, user_code
from ..engine import Function, Tensor

__all__ = ["register", "run", "load_target", "SAMPLE", "MAX_EXAMPLES", "MIN_MAGNITUDE"]

# the fixed input of the first run and of the printed report
SAMPLE = (-5.0, -2.0, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 2.0, 5.0)
MAX_EXAMPLES = 100_000      # --examples: more would run for hours
MIN_MAGNITUDE = 1e-6        # the smallest |x| drawn besides 0 (testing.floats): --max-magnitude's lower end


def register(subparsers):
    """Add the ``gradcheck`` parser; it runs ``run``."""
    parser = subparsers.add_parser(
        "gradcheck", help="check the backward of your activation (a Function or a callable) over drawn inputs",
        description="Load NAME from FILE.py (a Function subclass or a function of one Tensor), check its "
                    "gradient against float64 central differences over inputs drawn by hypothesis (tiny to "
                    "+-1e3), and print the report. Exit code 0: passed, 1: failed, 2: bad usage.",
        epilog="example: tinygrad-nn gradcheck my_activations.py:Swish --examples 200 --seed 1")
    parser.add_argument("target", metavar="FILE.py:NAME", help="the file and the name of the activation in it")
    parser.add_argument("--examples", type=int, default=100,
                        help=f"how many inputs to draw, 1 to {MAX_EXAMPLES:,} (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawn inputs (default 0)")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="dtype of the drawn inputs; the numerical side always runs in float64")
    parser.add_argument("--max-magnitude", type=float, default=1e3,
                        help=f"largest |x| drawn (default 1e3): from {MIN_MAGNITUDE:g} to the largest finite "
                             "float of --dtype")
    parser.add_argument("--monotone", choices=("increasing", "decreasing"), default=None,
                        help="also check that the activation is monotone")
    parser.add_argument("--bounded", metavar="LOW,HIGH", default=None,
                        help="also check LOW <= f(x) <= HIGH (finite numbers, LOW <= HIGH); leave a side empty "
                             "for no bound (--bounded 0,)")
    symmetry = parser.add_mutually_exclusive_group()
    symmetry.add_argument("--odd", action="store_true", help="also check f(-x) = -f(x)")
    symmetry.add_argument("--even", action="store_true", help="also check f(-x) = f(x)")
    parser.add_argument("--zero-at-zero", action="store_true", help="also check f(0) = 0")
    parser.add_argument("--allow-non-finite", action="store_true",
                        help="do not require finite outputs and gradients (for functions such as log "
                             "that are not finite everywhere)")
    parser.set_defaults(func=run)   # "--bounded -1,1" is a value, not an option: see cli.Parser
    return parser


def load_target(target):
    """``(name, fn)`` for ``FILE.py:NAME``; raises UsageError when the file or name is missing or unusable.

    A ``Module`` class (``class Swish(tg.nn.Module)``) is made with no
    arguments: the check runs its instance.
    """
    from ..nn import Module

    name, fn = load_from_file(target, "activations.py:Swish")
    file_part = target.rpartition(":")[0]
    if isinstance(fn, type) and issubclass(fn, Module):
        fn = module_from(fn, f"{name} in {file_part}")
    if isinstance(fn, type) and issubclass(fn, Function):
        count = required_positional(fn.forward, skip=1)
        if count is not None and count != 1:
            raise UsageError(f"{name}.forward takes {count} array(s) besides ctx; the command line checks "
                             "activations of one input (use tg.gradcheck in Python for more)")
        return name, fn
    if not callable(fn):
        raise UsageError(f"{name} in {file_part} is of type {type(fn).__name__}: expected a Function subclass or a callable")
    count = required_positional(fn)
    if count is not None and count != 1:
        raise UsageError(f"{name} takes {count} required argument(s); the command line checks activations "
                         "of one Tensor (use tg.gradcheck in Python for more)")
    return name, fn


def _bounds(text):
    """``--bounded LOW,HIGH`` as ``(low, high)`` (None for an empty side); raises UsageError unless it makes sense."""
    if text is None:
        return None
    shape = "--bounded must be LOW,HIGH: finite numbers with LOW <= HIGH, a side may be empty for no bound"
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        low, high = (float(p) if p.strip() else None for p in parts)
    except ValueError:
        raise UsageError(f"{shape}; got {text!r}") from None
    if low is None and high is None:
        raise UsageError(f"{shape}; got {text!r} (both sides empty: give at least one bound)")
    bad = next((side for side in (low, high) if side is not None and not np.isfinite(side)), None)
    if bad is not None:
        raise UsageError(f"{shape}; got {text!r} ({bad} is not a finite number)")
    if low is not None and high is not None and low > high:
        raise UsageError(f"{shape}; got {text!r} (LOW is above HIGH)")
    return low, high


def _max_magnitude(value, dtype):
    """``--max-magnitude`` as drawn in ``dtype``; raises UsageError naming the accepted range."""
    largest = float(np.finfo(dtype).max)
    if not MIN_MAGNITUDE <= value <= largest:   # nan fails this too
        raise UsageError(f"--max-magnitude must be a number from {MIN_MAGNITUDE:g} to {largest:.4g} (the largest "
                         f"finite {dtype}), got {value!r}")
    if dtype == np.float32:   # hypothesis needs bounds that float32 represents: the nearest one below
        rounded = np.float32(value)
        value = float(rounded if rounded <= value else np.nextafter(rounded, np.float32(0)))
    return value


@contextlib.contextmanager
def _hypothesis_files_elsewhere():
    """Hypothesis's working files (the example database is off) in a temporary folder, not ``./.hypothesis``."""
    from hypothesis.configuration import set_hypothesis_home_dir

    with tempfile.TemporaryDirectory(prefix="tinygrad-nn-hypothesis-") as folder:
        set_hypothesis_home_dir(folder)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)           # back to hypothesis's default


def _plain(values):
    """``[-5.0, -2.0, 0.1]``: an array's values as a user writes them."""
    return "[" + ", ".join(format_number(v) for v in np.asarray(values).reshape(-1)) + "]"


def _type_name(value):
    """``numpy.ndarray``, ``float``: the type of ``value`` as its users write it."""
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _broken(name, fn, dtype):
    """Why ``fn`` cannot be checked at all (one line), or None: run it once, forward and backward."""
    if isinstance(fn, type) and issubclass(fn, Function):
        if fn.backward is Function.backward:
            return f"{name} has no backward: define backward(ctx, grad) returning the gradient of its input"
        apply = fn.apply
    else:
        apply = fn
    x = Tensor(np.array(SAMPLE, dtype=dtype), requires_grad=True)
    try:
        with np.errstate(all="ignore"):
            out = apply(x)
            if not isinstance(out, Tensor):
                return (f"{name} returned {_type_name(out)}, not a Tensor: build the output from Tensor "
                        "operations (x.exp(), x * y, a Function's apply), not from x.data or numpy")
            if out.shape != x.shape:
                return (f"{name} returned shape {out.shape} for an input of shape {x.shape}: an activation "
                        "keeps the shape")
            if out.grad_fn is None:
                return (f"{name} returned a Tensor that does not depend on its input (nothing was recorded): "
                        "build it from Tensor operations, not from x.data or numpy")
            out.backward(np.ones(out.shape, dtype=out.dtype))
    except Exception as error:  # the user's code raised: say what, where
        return f"{name} raised {type(error).__name__}: {error} (at x = {_plain(x.data)})"
    if x.grad is None:
        return f"{name}'s backward gave its input no gradient"
    return None


def _shrunk_input(error):
    """``x=array([1.])`` from hypothesis's notes on ``error``, or None."""
    for note in getattr(error, "__notes__", []):
        for line in note.splitlines():
            if line.strip().startswith("x="):
                return line.strip().rstrip(",")
    return None


def run(args):
    """Run the property-based check; print the report; 0 passed, 1 failed, 2 bad usage."""
    try:  # hypothesis is needed here only: without it the rest of the command line works
        from hypothesis import HealthCheck, seed, settings
        from ..testing import activation_failures, check_activation
    except ImportError as error:
        raise UsageError(str(error)) from error

    if not 1 <= args.examples <= MAX_EXAMPLES:
        raise UsageError(f"--examples must be at least 1 and at most {MAX_EXAMPLES:,}, got {args.examples}")
    dtype = np.dtype(args.dtype)
    max_magnitude = _max_magnitude(args.max_magnitude, dtype)
    declared = dict(monotone=args.monotone, bounded=_bounds(args.bounded), odd=args.odd, even=args.even,
                    zero_at_zero=args.zero_at_zero, finite=not args.allow_non_finite)
    name, fn = load_target(args.target)
    try:
        problem = _broken(name, fn, dtype)
    except SystemExit as error:
        raise UsageError(f"{name} called sys.exit({error.code!r}) when run on a Tensor") from None
    if problem:
        raise UsageError(problem)
    print(f"gradcheck {name} from {args.target.rpartition(':')[0]}: {args.examples} drawn input(s), "
          f"seed {args.seed}, dtype {dtype}" + (" (checked on float64 copies)" if dtype != np.float64 else ""))
    chosen = settings(max_examples=args.examples, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck), print_blob=False)
    test = check_activation(fn, dtype=dtype, min_magnitude=min(MIN_MAGNITUDE, max_magnitude),
                            max_magnitude=max_magnitude, settings=chosen, **declared)
    test = seed(args.seed)(test)
    try:
        with _hypothesis_files_elsewhere():
            test()
    except AssertionError as error:  # a failing example: the report says where
        print(f"FAILED: {name}")
        for note in getattr(error, "__notes__", []):
            # hypothesis names the shrunk input "Falsifying example" (older) or "Failing test case" (newer)
            if note.startswith(("Falsifying example", "Failing test case", "    x=")):
                print(note)
        print(str(error))
        return 1
    except Exception as error:  # the activation itself raised at a drawn input: broken code, not a verdict
        where = _shrunk_input(error)
        raise UsageError(f"{name} raised {type(error).__name__}: {error}"
                         + (f" (at the drawn input {where})" if where else "")) from None
    except SystemExit as error:
        raise UsageError(f"{name} called sys.exit({error.code!r}) during the check") from None
    sample = np.array(SAMPLE, dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            user_code(f"checking {name} at the report's input x = {_plain(sample)}"):
        warnings.simplefilter("ignore", GradcheckPrecisionWarning)
        report = gradcheck(fn, (sample,), raise_exception=False)
        problems = activation_failures(fn, sample, **declared)
    print(f"report at x = {_plain(sample)}:")
    print(report)
    if problems:
        print("FAILED at that input:\n- " + "\n- ".join(problems))
        return 1
    checked = ", ".join(k.replace("_", " ") if v is True else f"{k} {v}" for k, v in declared.items()
                        if v and k != "finite")
    print(f"PASSED: {name} over {args.examples} drawn input(s)" + (f" (and {checked})" if checked else ""))
    return 0
