"""How the fuzz test judges one call: a result, or one of the library's documented errors naming the op."""

import re
import warnings
import signal
import contextlib

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn.engine import grad_mode

# The errors the library documents. KeyError only as StateDictError; FileNotFoundError where a path is missing.
DOCUMENTED = (TypeError, ValueError, IndexError, RuntimeError, tg.nn.StateDictError, FileNotFoundError,
              IsADirectoryError, NotADirectoryError)
NEVER = (AttributeError, RecursionError, MemoryError, ZeroDivisionError, OverflowError, NameError,
         UnboundLocalError, StopIteration, AssertionError, FloatingPointError)

# What Python says when an argument was used unchecked: never acceptable, even after the op's name.
PYTHON_INTERNALS = [
    "unsupported operand type", "object of type", "has no len()", "cannot be interpreted as an integer",
    "object is not iterable", "object is not subscriptable", "not supported between instances",
    "object is not callable", "argument after * must be", "tuple indices must be", "can't multiply sequence",
    "must be real number", "argument must be a string or", "The truth value of an", "Python int too large",
    "int too large to convert", "only 0-dimensional arrays", "only length-1 arrays", "expected str, bytes or",
    "iteration over a 0-d array", "maximum recursion depth", "Unable to allocate",
]
# numpy's own messages are fine once the library has put the op's name in front (``Sum: cannot apply ...``),
# which ``_names_op`` checks; these are refused without it.
# numpy's warnings about a value it converted badly (NaN and inf arithmetic is silenced by errstate above;
# the library's own warnings have their own categories and are fine)
RAW_WARNINGS = (np.exceptions.ComplexWarning, np.exceptions.VisibleDeprecationWarning, DeprecationWarning)
TIME_LIMIT = 5.0  # seconds for one call: a hang is a finding, not a stuck test run


class CallTookTooLong(Exception):
    """A fuzzed call ran past TIME_LIMIT."""


def judge(label, names, call, args, kwargs):
    """Run ``call(*args, **kwargs)``; return None when the outcome is fine, else what is wrong with it."""
    modes = grad_mode.STATE.modes
    try:
        with _time_limit(), np.errstate(all="ignore"), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = call(*args, **kwargs)
            if hasattr(result, "__next__"):  # a generator (iter(t)): run it
                for _ in zip(range(10), result):
                    pass
        raw = [w for w in caught if issubclass(w.category, RAW_WARNINGS)]
        if raw:
            return f"{label}: numpy's or Python's {raw[0].category.__name__}: {raw[0].message}"
    except CallTookTooLong:
        return f"{label}: took longer than {TIME_LIMIT} s"
    except NEVER as error:
        return f"{label}: raw {type(error).__name__}: {error}"
    except ImportError as error:  # an optional dependency that is missing: the message says what to install
        if "install" not in str(error) or not _names_op(str(error), names):
            return f"{label}: ImportError that does not say what to install: {error}"
    except OSError as error:
        if not isinstance(error, DOCUMENTED) or error.filename is None:
            return f"{label}: raw {type(error).__name__}: {error}"
    except DOCUMENTED as error:
        if isinstance(error, KeyError) and not isinstance(error, tg.nn.StateDictError):
            return f"{label}: raw KeyError: {error}"
        message = str(error)
        raw = next((phrase for phrase in PYTHON_INTERNALS if phrase in message), None)
        named = _names_op(message, names)
        if raw is not None or not named:
            why = f"says {raw!r}" if raw else "does not name the op"
            return f"{label}: {type(error).__name__} that {why}: {message[:300]}"
    except Exception as error:  # any other class: not one the library documents
        return f"{label}: undocumented {type(error).__name__}: {error}"
    finally:
        grad_mode.STATE.modes = modes  # a fuzzed set_grad_enabled(False) must not leak into the next example
    return None


def _names_op(message, names):
    text = message.lower().replace("_", "")
    return any(name.lower().replace("_", "") in text for name in names) or bool(
        re.match(r"^[\w.<>=!&|^+*/@-]+(\(\))?( \([\w. ]+\))?: ", message))


@contextlib.contextmanager
def _time_limit():
    def stop(signum, frame):
        raise CallTookTooLong()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
