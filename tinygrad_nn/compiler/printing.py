"""Printing: the lowered statements as the source of two Python functions, ``forward`` and ``backward``.

Decided here, on the finished statement lists:

* which arrays the forward hands to the backward (``saved``): the values the
  backward's statements read;
* where a statement may write into an operand instead of a new array
  (``h += b``, ``np.tanh(h, out=h)``): only when that operand is a fresh
  array of the program, of the result's shape and dtype, and no value
  sharing its memory is read later, returned or saved;
* the names: a value written in place keeps one name for the whole chain
  (the best of the chain: the user's own variable name first);
* ``del`` of every value right after its last use.
"""

import builtins
import keyword
import math
import re

import numpy as np

from .values import Value

__all__ = ["Printed", "render"]

_INDENT = "    "


class _Buffer:
    """The memory behind one or more values; ``last`` is the last statement reading any of them."""

    __slots__ = ("writable", "last", "escapes")

    def __init__(self, writable):
        self.writable, self.last, self.escapes = writable, -1, False


class Printed:
    """The generated source and what calling it needs."""

    def __init__(self, source, saved, gradients):
        self.source = source        # forward and backward, as text
        self.saved = saved          # the Values the forward returns for the backward, in order
        self.gradients = gradients  # per input slot: its gradient Value, or None


class _Namer:
    """Unique Python identifiers for values, never a name the namespace uses."""

    def __init__(self, reserved):
        self.taken = set(reserved) | set(keyword.kwlist) | set(dir(builtins))
        self.counts = {}

    def unique(self, hint):
        base = re.sub(r"\W", "_", hint).strip("_") or "value"
        if base[0].isdigit():
            base = "v" + base
        name, count = base, self.counts.get(base, 1)
        while name in self.taken:
            count += 1
            name = f"{base}_{count}"
        self.counts[base] = count
        self.taken.add(name)
        return name


def _analyse(function, params, escaping, inplace=True):
    """Last uses, in-place choices and memory of the values of one function; returns name groups."""
    statements = function.statements
    end = len(statements)
    for value in params:
        value.last_use = -1
    for index, statement in enumerate(statements):
        for operand in statement.operands:
            if isinstance(operand, Value):
                operand.last_use = index
    for value in escaping:
        value.escapes = True
        value.last_use = end
    groups = {}   # id(root value) -> [values sharing one name, in order]
    root_of = {}
    for index, statement in enumerate(statements):
        target = statement.target
        if target is None:
            continue
        joined = None
        if statement.mutates:
            joined = statement.operands[0]
        elif statement.inplace and inplace:
            joined = _inplace_operand(statement, index, function)
        if joined is not None:
            target.buffer = joined.buffer
            root = root_of[id(joined)]
        else:
            base = target.base
            if base is not None and base.home is function and base.kind == "temp":
                target.buffer = base.buffer            # a view: the same memory, another name
            else:
                target.buffer = _Buffer(writable=target.fresh and base is None)
            root = id(target)
            groups[root] = []
        root_of[id(target)] = root
        groups[root].append(target)
        target.buffer.last = max(target.buffer.last, target.last_use)
        target.buffer.escapes |= target.escapes
    return list(groups.values())


def _inplace_operand(statement, index, function):
    """The operand the statement may write into (and record the choice), or None."""
    target = statement.target
    for position, text in statement.inplace:
        operand = statement.operands[position]
        if (isinstance(operand, Value) and operand.home is function and operand.kind == "temp"
                and operand.buffer is not None and operand.buffer.writable and not operand.buffer.escapes
                and operand.buffer.last <= index and operand.last_use == index
                and operand.is_array and target.is_array
                and operand.shape == target.shape and operand.dtype == target.dtype):
            statement.out_operand = position
            statement.inplace_text = text
            return operand
    return None


def _name_groups(groups, namer, backward):
    for group in groups:
        best = min(value.rank for value in group)
        candidates = [value for value in group if value.rank == best]
        chosen = candidates[0] if backward else candidates[-1]
        of = chosen.grad_of  # a gradient is d + the name its value got (dlayer_2 for layer_2), not renumbered
        name = namer.unique("d" + of.name if of is not None and of.name is not None and chosen.hint == "d" + of.hint
                            else chosen.hint)
        for value in group:
            value.name = name


def _text(text, operands):
    return text.format(*[operand.name if isinstance(operand, Value) else operand.text for operand in operands])


def _body(function, groups):
    """The lines of one function's body (without the return)."""
    last_of_group = {}
    for group in groups:
        last = max(value.last_use if not value.escapes else math.inf for value in group)
        if last == -1:  # never read: free it right after it is made
            last = function.statements.index(group[-1].statement)
        last_of_group[id(group[-1])] = (last, group[-1].name)
    dying = {}
    for last, name in last_of_group.values():
        if last != math.inf:
            dying.setdefault(last, []).append(name)
    lines = []
    for index, statement in enumerate(function.statements):
        if statement.comment:
            lines.append(f"# {statement.comment}")
        target = statement.target
        if target is None or statement.mutates:
            line = _text(statement.text, statement.operands)
        elif statement.out_operand is not None:
            line = _text(statement.inplace_text, statement.operands)
        else:
            line = f"{target.name} = {_text(statement.text, statement.operands)}"
        if statement.context:
            line = f"with {statement.context}: {line}"
        lines.append(line)
        if index in dying:
            lines.append("del " + ", ".join(sorted(set(dying[index]))))
    return lines


def render(lowering, header_lines, inplace=True):
    """The source of ``forward`` and ``backward`` for ``lowering`` (see the module docstring)."""
    forward, backward = lowering.forward, lowering.backward
    saved, seen = [], set()
    for statement in backward.statements:
        for operand in statement.operands:
            if isinstance(operand, Value) and operand.home is forward and id(operand) not in seen:
                seen.add(id(operand))
                saved.append(operand)
    inputs = [slot.value for slot in lowering.slots]
    gradients = [grad for grad in lowering.gradients if grad is not None]
    for grad in gradients:
        if grad.home is forward and id(grad) not in seen:  # an input's gradient that is a forward value
            seen.add(id(grad))
            saved.append(grad)
    namer = _Namer(lowering.namespace)
    constants = list({id(v): v for s in forward.statements + backward.statements for v in s.operands
                      if isinstance(v, Value) and v.kind == "constant"}.values())
    for value in constants:
        value.name = namer.unique(value.hint)
    forward_groups = _analyse(forward, inputs, saved + [lowering.output], inplace)
    for value in inputs:
        value.name = namer.unique(value.hint)
    _name_groups(forward_groups, namer, backward=False)
    forward_lines = _body(forward, forward_groups)
    backward_groups = _analyse(backward, [lowering.upstream] + saved, gradients, inplace)
    lowering.upstream.name = namer.unique(lowering.upstream.hint)
    _name_groups(backward_groups, namer, backward=True)
    backward_lines = _body(backward, backward_groups)
    lines = list(header_lines)
    for value in constants:
        lowering.namespace[value.name] = value.sample
        if value.hint.startswith("arange_"):
            lines.append(f"{value.name} = np.arange({len(value.sample)})")
        else:
            sample = value.sample
            if isinstance(sample, np.ndarray):
                what = f"a {sample.shape} {sample.dtype} array"
            else:  # a dtype (astype's option), a number, ...: a dtype has a .shape too, so test for arrays
                what = f"the dtype {sample}" if isinstance(sample, np.dtype) else type(sample).__name__
            lines.append(f"# {value.name}: {what} fixed when the function was traced")
    if lines:
        lines.append("")
        lines.append("")
    saved_names = ", ".join(value.name for value in saved) + ("," if len(saved) == 1 else "")
    lines.append(f"def forward({', '.join(value.name for value in inputs)}):")
    lines += [_INDENT + line for line in forward_lines]
    lines.append(f"{_INDENT}return {lowering.output.name}, ({saved_names})")
    lines += ["", ""]
    lines.append(f"def backward({', '.join([lowering.upstream.name] + [value.name for value in saved])}):")
    lines += [_INDENT + line for line in backward_lines]
    returned = [grad.name for grad in gradients]
    lines.append(f"{_INDENT}return {', '.join(returned) if returned else 'None'}" + ("," if len(returned) == 1 else ""))
    return Printed("\n".join(lines) + "\n", saved, lowering.gradients)
