"""The interface of a code template: how one op's forward and backward are written as numpy text.

A template mirrors its op exactly: the same numpy calls in the same order, so
the generated code computes bitwise what the op computes. The compiler checks
this on the traced values every time it uses a template (and calls the op
itself when they differ), but a template is written to agree everywhere.
"""

import numpy as np

from ..values import Literal, Value, dtype_text, literal_for, python_text

__all__ = ["Template", "Decline", "NodeBuilder", "TEMPLATES", "template", "binary_inplace", "unary_inplace"]

TEMPLATES = {}  # Function subclass -> Template instance


class Decline(Exception):
    """Raised by a template for a case it does not write out: the op's own forward and backward are called."""


def template(function):
    """Class decorator: register the decorated Template for ``function``."""
    def register(cls):
        cls.function = function
        TEMPLATES[function] = cls()
        return cls
    return register


def binary_inplace(ufunc, augmented, commutative=False):
    """The in-place forms of ``{0} <op> {1}``: ``{0} <op>= {1}``, and into ``{1}`` through ``out=``.

    For a commutative op (+, *) the second is ``{1} <op>= {0}``: IEEE
    addition and multiplication give the same bits in either order.
    """
    into_second = f"{{1}} {augmented} {{0}}" if commutative else f"{ufunc}({{0}}, {{1}}, out={{1}})"
    return [(0, f"{{0}} {augmented} {{1}}"), (1, into_second)]


def unary_inplace(ufunc):
    """The in-place form of ``ufunc({0})``: ``ufunc({0}, out={0})``."""
    return [(0, f"{ufunc}({{0}}, out={{0}})")]


class Template:
    """Subclass with ``forward(t, *inputs)`` (returns the output Value) and ``backward(t, grad, *inputs)``.

    ``backward`` returns one gradient Value per input, or None where
    ``t.needs[i]`` is False, exactly like the op's backward; the compiler
    reduces broadcast gradients and casts dtypes afterwards, as the engine
    does. ``t.memory`` carries values from forward to backward.
    """

    function = None
    label = None      # names the op's result when nothing better does (``relu``); default: the op's name
    literals = True   # 0-d constant inputs may be written as numbers
    random = False    # the forward draws random numbers (the compiler replays the draw when checking)

    def forward(self, t, *inputs):
        """Write the op's forward statements with builder ``t``; return the output Value."""
        raise NotImplementedError

    def backward(self, t, grad, *inputs):
        """Write the op's backward statements with builder ``t``; return one gradient Value (or None) per input."""
        raise NotImplementedError


class NodeBuilder:
    """What a template sees of the node it writes: its inputs' options, and where statements go.

    ``needs[i]``: whether input ``i`` gets a gradient. ``kwargs``: the op's
    options with arrays replaced by Values (``raw_kwargs``: as recorded).
    ``memory`` carries values from ``forward`` to ``backward``; ``out`` is the
    forward's result. ``function`` is the generated function being written.
    """

    def __init__(self, node, needs, hint, rank, kwargs, lowering, what):
        self.node, self.needs, self.hint, self.rank = node, needs, hint, rank
        self.kwargs, self.raw_kwargs = kwargs, node.kwargs
        self.what = what
        self.memory = {}
        self.out = None
        self.operands = ()
        self.function = None
        self.prefix = ""          # "d" while the backward is written: gradients are named dx, dhidden
        self._lowering = lowering

    def emit(self, text, *operands, hint=None, name=None, **options):
        """One statement (see ``builder.Function.emit``).

        Its value is named after the node (its output), ``hint`` adds to that
        name (``loss_exp``), ``name`` replaces it (``exp_scores``).
        """
        full = name is not None
        if name is None:
            name = self.prefix + (self.hint if hint is None else f"{self.hint}_{hint}")
        rank = self.rank if hint is None and not full else 3
        return self.function.emit(text, *operands, hint=name, rank=rank, **options)

    def mutate(self, text, *operands):
        """A statement writing into operand 0, a fresh array made just before (see ``builder.Function.mutate``)."""
        return self.function.mutate(text, *operands)

    def perform(self, text, *operands):
        """A statement run for its effect (a check of the inputs)."""
        return self.function.perform(text, *operands)

    def constant(self, obj, hint):
        """A Value for an array (or other object) the generated code holds, fixed at trace time."""
        return self._lowering.constant(obj, hint)

    def dtype(self, dtype):
        """Text naming ``dtype`` (``np.float32``)."""
        return dtype_text(dtype) or self._lowering.namespace_name(np.dtype(dtype), "dtype")

    def number(self, value, dtype):
        """``value`` as ``dtype``, written as a number numpy treats as an array of ``dtype`` would be."""
        literal = literal_for(np.asarray(value, dtype=dtype), weak_ok=True)
        if literal is None:
            raise Decline(f"no literal for {value!r}")
        return literal.text

    def option(self, value):
        """A plain Python option (axis, shape, bound) as text."""
        text = python_text(value)
        if text is None:
            text = self._lowering.namespace_name(value, "option")
        return text

    @staticmethod
    def is_literal(value):
        """Whether ``value`` is written into the code as a literal (a number, a shape)."""
        return isinstance(value, Literal)

    @staticmethod
    def is_value(value):
        """Whether ``value`` is an array variable of the generated code."""
        return isinstance(value, Value)
