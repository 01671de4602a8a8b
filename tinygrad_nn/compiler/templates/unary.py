"""Templates of the elementwise functions and the softmax family."""

from ...engine import ops
from .base import Template, template, unary_inplace

_DIVIDE_IGNORED = 'np.errstate(divide="ignore")'


def _unchanged_dtype(t, value, like):
    """``value.astype(like.dtype, copy=False)`` as the ops write it: a statement only when the dtype differs."""
    if value.dtype == like.dtype:
        return value
    return t.emit(f"{{0}}.astype({t.dtype(like.dtype)})", value)


@template(ops.Exp)
class Exp(Template):
    def forward(self, t, x):
        return t.emit("np.exp({0})", x, inplace=unary_inplace("np.exp"), context='np.errstate(over="ignore")')

    def backward(self, t, grad, x):
        return t.emit("{0} * {1}", grad, t.out, inplace=[(0, "{0} *= {1}")])


@template(ops.Log)
class Log(Template):
    def forward(self, t, x):
        return t.emit("np.log({0})", x, context=_DIVIDE_IGNORED)

    def backward(self, t, grad, x):
        return t.emit("{0} / {1}", grad, x, context='np.errstate(divide="ignore", over="ignore")')


@template(ops.Sqrt)
class Sqrt(Template):
    def forward(self, t, x):
        return t.emit("np.sqrt({0})", x, inplace=unary_inplace("np.sqrt"))

    def backward(self, t, grad, x):
        return t.emit("{0} / (2 * {1})", grad, t.out, context=_DIVIDE_IGNORED)


@template(ops.Abs)
class Abs(Template):
    def forward(self, t, x):
        return t.emit("np.abs({0})", x)

    def backward(self, t, grad, x):
        return t.emit("{0} * np.sign({1})", grad, x, inplace=[(0, "{0} *= np.sign({1})")])


@template(ops.Sigmoid)
class Sigmoid(Template):
    def forward(self, t, x):
        z = t.emit("np.exp(-np.abs({0}))", x, hint="z")
        out = t.emit("np.where({0} >= 0, 1, {1}) / (1 + {1})", x, z)
        return _unchanged_dtype(t, out, x)

    def backward(self, t, grad, x):
        return t.emit("{0} * {1} * (1 - {1})", grad, t.out)


@template(ops.Tanh)
class Tanh(Template):
    def forward(self, t, x):
        return t.emit("np.tanh({0})", x, inplace=unary_inplace("np.tanh"))

    def backward(self, t, grad, x):
        return t.emit("{0} * (1 - {1} * {1})", grad, t.out, inplace=[(0, "{0} *= 1 - {1} * {1}")])


@template(ops.ReLU)
class ReLU(Template):
    label = "relu"

    def forward(self, t, x):
        return t.emit("np.maximum({0}, 0)", x, inplace=[(0, "np.maximum({0}, 0, out={0})")])

    def backward(self, t, grad, x):
        return t.emit("{0} * ({1} > 0)", grad, t.out, inplace=[(0, "{0} *= {1} > 0")])


@template(ops.LeakyReLU)
class LeakyReLU(Template):
    label = "leaky_relu"

    def forward(self, t, x):
        slope = t.number(x.dtype.type(t.kwargs.get("negative_slope", 0.01)), x.dtype)
        positive = t.emit("{0} > 0", x, hint="positive")
        t.memory["positive"] = positive
        return t.emit(f"np.where({{0}}, {{1}}, {{1}} * {slope})", positive, x)

    def backward(self, t, grad, x):
        slope = t.number(grad.dtype.type(t.kwargs.get("negative_slope", 0.01)), grad.dtype)
        return t.emit(f"np.where({{0}}, {{1}}, {{1}} * {slope})", t.memory["positive"], grad)


@template(ops.Clip)
class Clip(Template):
    def forward(self, t, x):
        lo, hi = t.kwargs.get("lo"), t.kwargs.get("hi")
        tests = []
        if lo is not None:
            tests.append(f"({{0}} >= {t.option(lo)})")
        if hi is not None:
            tests.append(f"({{0}} <= {t.option(hi)})")
        if tests:
            inside = t.emit(" & ".join(tests), x, hint="inside")
        else:
            inside = t.emit(f"np.ones({t.option(x.shape)}, dtype=bool)", x, hint="inside")
        t.memory["inside"] = inside
        out = t.emit(f"np.clip({{0}}, {t.option(lo)}, {t.option(hi)})", x)
        return _unchanged_dtype(t, out, x)

    def backward(self, t, grad, x):
        return t.emit("{0} * {1}", grad, t.memory["inside"], inplace=[(0, "{0} *= {1}")])


@template(ops.Softmax)
class Softmax(Template):
    literals = False  # x is a Value: its name names the intermediates (shifted_scores)

    def forward(self, t, x):
        axis = t.option(t.kwargs.get("axis", -1))
        shifted = t.emit(f"{{0}} - max_along({{0}}, {axis})", x, name=f"shifted_{x.hint}")
        exp = t.emit("np.exp({0})", shifted, name=f"exp_{x.hint}", inplace=unary_inplace("np.exp"))
        return t.emit(f"{{0}} / sum_along({{0}}, {axis})", exp,
                      inplace=[(0, f"{{0}} /= sum_along({{0}}, {axis})")])

    def backward(self, t, grad, x):
        axis = t.option(t.kwargs.get("axis", -1))
        return t.emit(f"{{0}} * ({{1}} - sum_along({{1}} * {{0}}, {axis}))", t.out, grad)


@template(ops.LogSoftmax)
class LogSoftmax(Template):
    literals = False

    def forward(self, t, x):
        axis = t.option(t.kwargs.get("axis", -1))
        shifted = t.emit(f"{{0}} - max_along({{0}}, {axis})", x, name=f"shifted_{x.hint}")
        return t.emit(f"{{0}} - np.log(sum_along(np.exp({{0}}), {axis}))", shifted)

    def backward(self, t, grad, x):
        axis = t.option(t.kwargs.get("axis", -1))
        return t.emit(f"{{0}} - np.exp({{1}}) * sum_along({{0}}, {axis})", grad, t.out,
                      inplace=[(0, f"{{0}} -= np.exp({{1}}) * sum_along({{0}}, {axis})")])
