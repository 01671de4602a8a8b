"""Templates of the reductions, shape ops, indexing and selection."""

import numpy as np

from ...engine import ops
from .. import engine_api
from ..errors import TraceError
from .base import Decline, Template, template


def _expanded(t, grad, shape, axis, keepdims):
    """The text of ``reduce._expand(grad, shape, axis, keepdims)`` with grad as ``{0}``."""
    if not shape:
        return "np.reshape({0}, ())"
    if not keepdims and axis is not None:
        axes = (axis,) if isinstance(axis, int) else axis
        return f"np.expand_dims({{0}}, {t.option(tuple(a % len(shape) for a in axes))})"
    return "{0}"


def _reduction(t, x, mean):
    axis, keepdims = t.kwargs.get("axis"), t.kwargs.get("keepdims", False)
    if isinstance(axis, int):
        text = f"sum_along({{0}}, {axis}, keepdims={keepdims})"
    else:
        text = "{0}.sum(" + ", ".join(part for part in (
            f"axis={t.option(axis)}" if axis is not None else "", "keepdims=True" if keepdims else "") if part) + ")"
    if mean:
        count = x.sample.size if axis is None or len(x.shape) == 0 else \
            int(np.prod([x.shape[a] for a in ((axis,) if isinstance(axis, int) else axis)]))
        text = f"{text} / {t.number(max(count, 1), t.node.output_dtype)}"
        t.memory["count"] = max(count, 1)
    return t.function.as_array(t.emit(text, x))


@template(ops.Sum)
class Sum(Template):
    def forward(self, t, x):
        return _reduction(t, x, mean=False)

    def backward(self, t, grad, x):
        expanded = _expanded(t, grad, x.shape, t.kwargs.get("axis"), t.kwargs.get("keepdims", False))
        return t.emit(f"np.full({t.option(x.shape)}, {expanded})", grad)


@template(ops.Mean)
class Mean(Template):
    def forward(self, t, x):
        return _reduction(t, x, mean=True)

    def backward(self, t, grad, x):
        expanded = _expanded(t, grad, x.shape, t.kwargs.get("axis"), t.kwargs.get("keepdims", False))
        count = t.number(t.memory["count"], grad.dtype)
        return t.emit(f"np.full({t.option(x.shape)}, {expanded} / {count})", grad)


def tied_extremes(x, extreme, axis):
    """Where ``x`` equals its max (or min) ``extreme`` along ``axis``, as ``Max.backward`` finds them.

    A NaN is the extreme of its row (NaN != NaN): then the NaN entries are
    the hits, so the gradient goes to them.
    """
    hits = x == extreme
    if not hits.sum(axis=axis, keepdims=True).all():
        hits |= np.isnan(x) & np.isnan(extreme)
    return hits


class _Extremum(Template):
    along = None  # "max_along" or "min_along"

    def forward(self, t, x):
        axis, keepdims = t.kwargs.get("axis"), t.kwargs.get("keepdims", False)
        extreme = t.emit(f"{self.along}({{0}}, {t.option(axis)})", x, hint="keepdims")
        t.memory["extreme"] = extreme
        if keepdims:
            return extreme
        if axis is None:
            return t.emit("{0}.reshape(())", extreme, view_of=0)
        return t.emit(f"np.squeeze({{0}}, axis={t.option(axis)})", extreme, view_of=0)

    def backward(self, t, grad, x):
        axis, keepdims = t.kwargs.get("axis"), t.kwargs.get("keepdims", False)
        hits = t.emit(f"tied_extremes({{0}}, {{1}}, {t.option(axis)})", x, t.memory["extreme"], hint="hits")
        expanded = _expanded(t, grad, x.shape, axis, keepdims).replace("{0}", "{1}")
        return t.emit(f"{expanded} * {{0}} / {{0}}.sum(axis={t.option(axis)}, keepdims=True)"
                      f".astype({t.dtype(grad.dtype)})", hits, grad)


@template(ops.Max)
class Max(_Extremum):
    label = "max_value"
    along = "max_along"


@template(ops.Min)
class Min(_Extremum):
    label = "min_value"
    along = "min_along"


@template(ops.Reshape)
class Reshape(Template):
    def forward(self, t, x):
        return t.emit(f"{{0}}.reshape({t.option(tuple(t.kwargs.get('shape', ())))})", x, view_of=0)

    def backward(self, t, grad, x):
        return t.emit(f"{{0}}.reshape({t.option(x.shape)})", grad, view_of=0)


@template(ops.Transpose)
class Transpose(Template):
    def forward(self, t, x):
        axes = t.kwargs.get("axes")
        if axes is None:
            t.memory["inverse"] = None
            return t.emit("{0}.T", x, view_of=0)
        t.memory["inverse"] = tuple(int(a) for a in np.argsort([axis % len(x.shape) for axis in axes]))
        return t.emit(f"np.transpose({{0}}, {t.option(tuple(axes))})", x, view_of=0)

    def backward(self, t, grad, x):
        inverse = t.memory["inverse"]
        if inverse is None:
            return t.emit("{0}.T", grad, view_of=0)
        return t.emit(f"np.transpose({{0}}, {t.option(inverse)})", grad, view_of=0)


def index_text(t, index, operands):
    """``index`` written as the text inside ``[...]``; arrays in it become placeholders appended to ``operands``."""
    items = index if isinstance(index, tuple) else (index,)
    parts = []
    for item in items:
        if t.is_value(item):
            if item.dtype == bool and item.kind != "constant":
                raise TraceError(f"{t.what}: indexing with a boolean mask computed from the inputs gives a "
                                 "result whose shape depends on the values, which a trace cannot replay; use "
                                 "tg.where(mask, x, 0) or multiply by the mask instead")
            operands.append(item)
            parts.append(f"{{{len(operands) - 1}}}")
        elif isinstance(item, slice):
            parts.append(":".join("" if part is None else t.option(part) for part in (item.start, item.stop))
                         + ("" if item.step is None else ":" + t.option(item.step)))
        elif item is Ellipsis:
            parts.append("...")
        else:
            parts.append(t.option(item))
    if not isinstance(index, tuple):
        return parts[0]
    return ", ".join(parts) + ("," if len(parts) == 1 else "")


@template(ops.GetItem)
class GetItem(Template):
    label = "indexed"
    literals = False

    def forward(self, t, x):
        operands = [x]
        text = index_text(t, t.kwargs.get("index"), operands)
        out = t.emit(f"{{0}}[{text}]", *operands, view_of=0)
        return t.function.as_array(out)

    def backward(self, t, grad, x):
        operands = [None, grad]
        text = index_text(t, t.kwargs.get("index"), operands)
        zeros = t.emit(f"np.zeros({t.option(x.shape)}, dtype={t.dtype(grad.dtype)})", grad)
        operands[0] = zeros
        if engine_api.is_basic_index(t.raw_kwargs.get("index")):
            return t.mutate(f"{{0}}[{text}] = {{1}}", *operands)
        return t.mutate(f"np.add.at({{0}}, ({text}), {{1}})", *operands)


def _along(axis, position, ndim):
    """Index text selecting ``position`` (an int or a slice text) along ``axis`` of an ``ndim``-d array."""
    axis %= ndim
    return ", ".join([":"] * axis + [position])


@template(ops.Concatenate)
class Concatenate(Template):
    literals = False

    def forward(self, t, *xs):
        axis = t.kwargs.get("axis", 0)
        t.memory["bounds"] = np.cumsum([0] + [x.shape[axis] for x in xs]).tolist()
        inner = ", ".join(f"{{{i}}}" for i in range(len(xs))) + ("," if len(xs) == 1 else "")
        return t.emit(f"np.concatenate(({inner}), axis={t.option(axis)})", *xs)

    def backward(self, t, grad, *xs):
        axis, bounds = t.kwargs.get("axis", 0), t.memory["bounds"]
        return tuple(t.emit(f"{{0}}[{_along(axis, f'{start}:{stop}', len(grad.shape))}]", grad, view_of=0)
                     if need else None for need, start, stop in zip(t.needs, bounds, bounds[1:]))


@template(ops.Stack)
class Stack(Template):
    literals = False

    def forward(self, t, *xs):
        inner = ", ".join(f"{{{i}}}" for i in range(len(xs))) + ("," if len(xs) == 1 else "")
        return t.emit(f"np.stack(({inner}), axis={t.option(t.kwargs.get('axis', 0))})", *xs)

    def backward(self, t, grad, *xs):
        axis = t.kwargs.get("axis", 0)
        return tuple(t.emit(f"{{0}}[{_along(axis, str(i), len(grad.shape))}]", grad, view_of=0) if need else None
                     for i, need in enumerate(t.needs))


@template(ops.Maximum)
class Maximum(Template):
    def forward(self, t, a, b):
        return t.emit("np.maximum({0}, {1})", a, b)

    def backward(self, t, grad, a, b):
        share = t.emit("({0} > {1}) + 0.5 * ({0} == {1})", a, b, hint="share_a")
        cast = "" if share.dtype == grad.dtype else f".astype({t.dtype(grad.dtype)})"
        return (t.emit(f"{{0}} * {{1}}{cast}", grad, share) if t.needs[0] else None,
                t.emit(f"{{0}} * (1 - {{1}}){cast}", grad, share) if t.needs[1] else None)


@template(ops.Where)
class Where(Template):
    def forward(self, t, a, b):
        condition = t.kwargs.get("condition")
        if not t.is_value(condition):
            raise Decline("the condition is not an array")
        if condition.dtype != bool:
            condition = t.emit("np.asarray({0}, dtype=bool)", condition, hint="condition")
        t.memory["condition"] = condition
        return t.emit("np.where({0}, {1}, {2})", condition, a, b)

    def backward(self, t, grad, a, b):
        zero = t.number(0, grad.dtype)
        condition = t.memory["condition"]
        return (t.emit(f"np.where({{0}}, {{1}}, {zero})", condition, grad) if t.needs[0] else None,
                t.emit(f"np.where({{0}}, {zero}, {{1}})", condition, grad) if t.needs[1] else None)
