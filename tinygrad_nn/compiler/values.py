"""The values of a generated program and how they are written as Python text.

A ``Value`` is one array of the generated code: a parameter of the generated
function (an input, or in the backward a value saved by the forward), a
constant the program holds, or the result of one statement. Each value
carries the *sample* it had when the program was generated (computed on the
traced arguments), which gives its shape and dtype, and lets the compiler
check every statement against the op it stands for.

A ``Literal`` is a number written into the text (``1.5``, ``np.float32(0.1)``).
"""

import math

import numpy as np

__all__ = ["Value", "Literal", "literal_for", "dtype_text", "python_text"]


class Value:
    """One array of a generated program (see the module docstring).

    kind: ``"input"`` (a parameter of the generated function: never written
    to), ``"constant"`` (held by the program: never written to) or ``"temp"``
    (made by a statement). ``hint`` and ``rank`` choose the printed name: the
    lower the rank, the better the name (0: the user's own name, 1: a tensor's
    ``name``, 2: made from the module path and the op).
    """

    __slots__ = ("hint", "rank", "kind", "sample", "statement", "fresh", "base", "name", "last_use",
                 "escapes", "buffer", "home", "grad_of", "__weakref__")

    def __init__(self, hint, rank, kind, sample, statement=None, fresh=False, base=None):
        self.hint, self.rank, self.kind, self.sample = hint, rank, kind, sample
        self.statement = statement  # the statement that makes it (temps)
        self.fresh = fresh          # the statement returns a new array that nothing else refers to
        self.base = base            # a value whose memory this one shares (a view, or written in place)
        self.name = None            # chosen when the program is printed
        self.last_use = -1
        self.escapes = False        # returned, or saved for the backward: alive after the function
        self.buffer = None
        self.home = None            # the generated function that defines it (None: constants)
        self.grad_of = None         # the forward value it is the gradient of, when named after it (dW1)

    @property
    def shape(self):
        """The shape of the value seen while tracing."""
        return np.shape(self.sample)

    @property
    def dtype(self):
        """The dtype of the value seen while tracing."""
        return self.sample.dtype if hasattr(self.sample, "dtype") else np.asarray(self.sample).dtype

    @property
    def is_array(self):
        """Whether the traced value is an ndarray (not a numpy scalar)."""
        return type(self.sample) is np.ndarray

    def __repr__(self):
        return f"<Value {self.name or self.hint} {self.shape} {self.dtype}>"


class Literal:
    """A number written into the generated text; ``sample`` is what evaluating ``text`` gives.

    ``array`` is the 0-d array it stands for (its dtype is what the op computed with).
    """

    __slots__ = ("text", "sample", "array")
    kind = "literal"

    def __init__(self, text, sample, array=None):
        self.text, self.sample, self.array = text, sample, array

    @property
    def shape(self):
        """A literal is a number: shape ()."""
        return ()

    @property
    def dtype(self):
        """The dtype numpy gives the literal."""
        return np.asarray(self.sample).dtype

    def __repr__(self):
        return f"<Literal {self.text}>"


def dtype_text(dtype):
    """``np.float64`` for a plain numpy dtype, else None (the caller keeps the dtype as a constant)."""
    dtype = np.dtype(dtype)
    name = dtype.name
    if dtype.isnative and hasattr(np, name) and np.dtype(getattr(np, name)) == dtype:
        return f"np.{name}"
    return None


def _float_text(scalar):
    """The shortest text that numpy turns into exactly the numpy float ``scalar`` (its dtype), or None."""
    value = float(scalar)
    if math.isnan(value):
        return None  # NaN payloads and signs: keep the array itself
    if math.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    for text in (str(scalar), repr(value)):  # str: the shortest digits that give back this float32 / float64
        try:
            exact = np.asarray(float(text), dtype=scalar.dtype)
        except ValueError:
            continue
        if exact.tobytes() == np.asarray(scalar).tobytes():
            return text
    return None


def literal_for(array, weak_ok):
    """A ``Literal`` for a 0-d float array, or None when it must stay an array.

    ``weak_ok``: whether a plain Python number gives the same result as the
    array where it is used (true when the array has the dtype of the other
    operand, so numpy's promotion cannot tell them apart). Otherwise the
    number is written as a numpy scalar (``np.float32(0.1)``), which numpy
    promotes exactly as a 0-d array.
    """
    if type(array) is not np.ndarray or array.ndim != 0 or array.dtype.kind != "f":
        return None
    text = _float_text(array[()])
    type_text = dtype_text(array.dtype)
    if text is None or type_text is None:
        return None
    if not weak_ok:
        text = f"{type_text}({text})"
    sample = eval(text, {"np": np})  # noqa: S307 - our own text
    return Literal(text if not text.startswith("-") else f"({text})", sample, array)


def python_text(value):
    """``repr`` of a plain Python option (numbers, None, strings, tuples of them), or None if it has none."""
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if type(value) is int:
        return repr(value)
    if type(value) is float:
        if math.isnan(value) or math.isinf(value):
            return None
        return repr(value)
    if isinstance(value, (tuple, list)):
        parts = [python_text(item) for item in value]
        if any(part is None for part in parts):
            return None
        if isinstance(value, list):
            return "[" + ", ".join(parts) + "]"
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if isinstance(value, slice):
        return None
    return None
