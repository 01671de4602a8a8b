"""Templates of the arithmetic ops: + - * / ** unary minus, @ and the fully connected layer's map."""

import math

from ...engine import ops
from .base import Decline, Template, binary_inplace, template, unary_inplace

_DIVIDE_OVER_IGNORED = 'np.errstate(divide="ignore", over="ignore")'
_ADD = binary_inplace("np.add", "+=", commutative=True)
_SUBTRACT = binary_inplace("np.subtract", "-=")
_MULTIPLY = binary_inplace("np.multiply", "*=", commutative=True)
_DIVIDE = binary_inplace("np.divide", "/=")
_NEGATE = unary_inplace("np.negative")


@template(ops.Add)
class Add(Template):
    def forward(self, t, a, b):
        return t.emit("{0} + {1}", a, b, inplace=_ADD)

    def backward(self, t, grad, a, b):
        return grad, grad


@template(ops.Sub)
class Sub(Template):
    def forward(self, t, a, b):
        return t.emit("{0} - {1}", a, b, inplace=_SUBTRACT)

    def backward(self, t, grad, a, b):
        return grad, (t.emit("-{0}", grad, inplace=_NEGATE) if t.needs[1] else None)


@template(ops.Mul)
class Mul(Template):
    def forward(self, t, a, b):
        return t.emit("{0} * {1}", a, b, inplace=_MULTIPLY)

    def backward(self, t, grad, a, b):
        return (t.emit("{0} * {1}", grad, b, inplace=_MULTIPLY) if t.needs[0] else None,
                t.emit("{0} * {1}", grad, a, inplace=_MULTIPLY) if t.needs[1] else None)


@template(ops.Div)
class Div(Template):
    def forward(self, t, a, b):
        return t.emit("{0} / {1}", a, b, inplace=_DIVIDE)

    def backward(self, t, grad, a, b):
        return (t.emit("{0} / {1}", grad, b, inplace=_DIVIDE) if t.needs[0] else None,
                t.emit("-({0} / {2}) * ({1} / {2})", grad, a, b) if t.needs[1] else None)


@template(ops.Pow)
class Pow(Template):
    """Written out when the exponent is a constant other than 0 (``x ** 2``); else the op is called."""

    label = "power"

    def forward(self, t, a, b):
        if not t.is_literal(b) or b.sample == 0:
            raise Decline("a variable or zero exponent")
        # Pow's forward ignores divide and overflow for a negative exponent (0 ** -1 = inf, as its limit)
        return t.emit("np.power({0}, {1})", a, b, inplace=binary_inplace("np.power", "**="),
                      context=_DIVIDE_OVER_IGNORED if b.array < 0 else None)

    def backward(self, t, grad, a, b):
        grad_a = grad_b = None
        if t.needs[0]:
            # Pow.backward computes b - 1 in b's dtype, then g * (b * a ** (b - 1)): the same numbers here.
            # a ** 1 is a itself (pow(x, 1) is exact), and only a negative power of 0 divides by zero.
            less = b.array - 1
            if less == 1:
                grad_a = t.emit("{0} * ({1} * {2})", grad, b, a)
            else:
                grad_a = t.emit(f"{{0}} * ({{1}} * np.power({{2}}, {t.number(less, less.dtype)}))", grad, b, a,
                                context=_DIVIDE_OVER_IGNORED if less < 0 else None)
        if t.needs[1]:
            grad_b = t.emit("{0} * {1} * np.log(np.where({2} == 0, 1, {2}))", grad, t.out, a)
        return grad_a, grad_b


@template(ops.Neg)
class Neg(Template):
    def forward(self, t, a):
        return t.emit("-{0}", a, inplace=_NEGATE)

    def backward(self, t, grad, a):
        return t.emit("-{0}", grad, inplace=_NEGATE)


@template(ops.MatMul)
class MatMul(Template):
    """Written out for 2-D operands; other ranks call the op."""

    label = "matmul"
    literals = False

    def forward(self, t, a, b):
        if len(a.shape) != 2 or len(b.shape) != 2:
            raise Decline("not 2-D")
        return t.emit("{0} @ {1}", a, b)

    def backward(self, t, grad, a, b):
        return (t.emit("{0} @ {1}.T", grad, b) if t.needs[0] else None,
                t.emit("{0}.T @ {1}", a, grad) if t.needs[1] else None)


@template(ops.Affine)
class Affine(Template):
    """x @ W.T, then the bias added into that new array (as Affine.forward does)."""

    literals = False

    def forward(self, t, x, weight, bias=None):
        out = t.emit("{0} @ {1}.T", x, weight)
        if bias is not None:
            out = t.mutate("{0} += {1}", out, bias)
        return out

    def backward(self, t, grad, x, weight, bias=None):
        needs = t.needs
        rows = math.prod(x.shape[:-1])
        if len(x.shape) == 2:  # grad.reshape(rows, out) and x.reshape(rows, in) are grad and x themselves
            grad_rows, x_rows = "{0}", "{1}"
        else:
            grad_rows, x_rows = f"{{0}}.reshape({rows}, {weight.shape[0]})", f"{{1}}.reshape({rows}, {weight.shape[1]})"
        grad_x = t.emit("{0} @ {1}", grad, weight) if needs[0] else None
        grad_weight = t.emit(f"{grad_rows}.T @ {x_rows}", grad, x) if needs[1] else None
        if bias is None:
            return grad_x, grad_weight
        grad_bias = t.emit(f"{grad_rows}.sum(axis=0)", grad) if needs[2] else None
        return grad_x, grad_weight, grad_bias
