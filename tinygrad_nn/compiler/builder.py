"""Statements of a generated function, each run on sample values as it is written.

``Function.emit(text, *operands)`` adds one statement ``target = text`` (with
``{0}``, ``{1}``... standing for the operands) and runs it at once on the
operands' samples, so every value knows its shape and dtype and the compiler
can compare what a template computes with what the op computes. The text that
runs here is the text that is printed: there is no second description of the
arithmetic to drift apart from it.
"""

import re

import numpy as np

from .values import Value

__all__ = ["Statement", "Function", "renumber"]

_PLACEHOLDER = re.compile(r"\{(\d+)\}")


def renumber(text, offset):
    """``text`` with every placeholder ``{k}`` turned into ``{k + offset}``."""
    return _PLACEHOLDER.sub(lambda match: "{" + str(int(match.group(1)) + offset) + "}", text)


class Statement:
    """``target = text.format(*operands)`` (or, with ``mutates``, a statement that writes into an operand).

    ``inplace``: ``[(k, text), ...]``: statements that compute the same
    values into operand ``k``'s memory (``{0} += {1}`` for ``{0} + {1}``),
    used when that operand is a dead array of the result's shape and dtype.
    ``context``: a context manager the statement runs in (``np.errstate(divide="ignore")``).
    ``comment``: a line printed above it (the module path of the op).
    ``target`` is None for a statement run for its effect (a check).
    """

    __slots__ = ("target", "text", "operands", "inplace", "mutates", "context", "comment", "out_operand",
                 "inplace_text")

    def __init__(self, target, text, operands, inplace=None, mutates=False, context=None, comment=None):
        self.target, self.text, self.operands = target, text, list(operands)
        self.inplace, self.mutates, self.context, self.comment = inplace, mutates, context, comment
        self.out_operand = None  # the operand written in place, once the printer chose one
        self.inplace_text = None # and the text doing it


class Function:
    """The statements of one generated function, and the namespace they run in."""

    def __init__(self, namespace):
        self.namespace = namespace  # np, helpers, op classes, constants: the generated code's globals
        self.statements = []
        self._code = {}             # statement text -> compiled code (repeated ops compile once)
        self.comment = None         # put above the next statement

    def run(self, text, operands, statement_form=False, context=None):
        """Run ``text`` on the operands' samples; returns the result (or None for a statement)."""
        names = [f"_{i}" for i in range(len(operands))]
        source = text.format(*names) if statement_form else "_result = " + text.format(*names)
        if context is not None:
            source = f"with {context}:\n    {source}"
        code = self._code.get(source)
        if code is None:
            code = self._code[source] = compile(source, "<tg.compile sample>", "exec")
        local = {name: operand.sample for name, operand in zip(names, operands)}
        exec(code, self.namespace, local)  # noqa: S102 - our own generated text
        return local.get("_result")

    def emit(self, text, *operands, hint="tmp", rank=3, inplace=None, view_of=None, fresh=True, context=None):
        """Add ``target = text`` and return the target ``Value``.

        ``view_of``: the index of an operand whose memory the result may share
        (``x.reshape(...)``, ``x.T``): it is then never written in place while
        the result lives. ``fresh``: the result is a new array nobody else holds.
        """
        sample = self.run(text, operands, context=context)
        base = operands[view_of] if view_of is not None else None
        target = Value(hint, rank, "temp", sample, fresh=fresh and view_of is None and type(sample) is np.ndarray,
                       base=base)
        statement = Statement(target, text, operands, inplace=inplace, context=context, comment=self._take_comment())
        target.statement = statement
        target.home = self
        self.statements.append(statement)
        return target

    def as_array(self, value):
        """``value`` made an ndarray as ``Function.apply`` makes an op's result one (a numpy scalar -> 0-d array).

        When ``value`` was made by the last statement, that statement is wrapped
        (``np.asarray(x.sum() / 3.0)``) rather than followed by another.
        """
        if value.is_array:
            return value
        statement = value.statement
        if (statement is not None and self.statements and self.statements[-1] is statement
                and statement.target is value and not statement.mutates):
            statement.text = f"np.asarray({statement.text})"
            statement.inplace = None
            value.sample = self.run(statement.text, statement.operands, context=statement.context)
            value.fresh = True
            return value
        return self.emit("np.asarray({0})", value, hint=value.hint, rank=value.rank)

    def perform(self, text, *operands):
        """Add a statement run for its effect only (a check of the inputs)."""
        self.run(text, operands, statement_form=True)
        self.statements.append(Statement(None, text, operands, comment=self._take_comment()))

    def mutate(self, text, *operands):
        """Add a statement that writes into operand 0 (``{0}[...] = ...``); returns the value it leaves there.

        Operand 0 must be a fresh value made for this purpose and used by
        nothing else (the templates make it on the line before).
        """
        written = operands[0]
        self.run(text, operands, statement_form=True)
        target = Value(written.hint, written.rank, "temp", written.sample, fresh=written.fresh,
                       base=written)
        statement = Statement(target, text, operands, mutates=True, comment=self._take_comment())
        target.statement = statement
        target.home = self
        self.statements.append(statement)
        return target

    def _take_comment(self):
        comment, self.comment = self.comment, None
        return comment

    def mark(self):
        """A position to ``rollback`` to (statements added after it are dropped)."""
        return len(self.statements), self.comment

    def rollback(self, mark):
        """Drop the statements written since ``mark`` (from ``mark()``) and restore the comment then."""
        del self.statements[mark[0]:]
        self.comment = mark[1]

