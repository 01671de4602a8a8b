"""Activation functions beyond the classic ones of ``unary.py``, one ``Function`` each, PyTorch's definitions.

Every forward is stable at any |x| (no overflow, no warning): exponentials
only ever see non-positive arguments (softplus as max(x, 0) + log1p(e**-|x|),
``expm1`` of the negative side), and float32 stays float32. Kinks follow
PyTorch's backward kernels, and each docstring states its convention.

Each backward works on arrays and, under ``create_graph=True``, on Tensors,
so every op here is differentiable again. Where forward computed an
expensive intermediate (the normal CDF of GELU, tanh(softplus) of Mish) it
is saved for a fast first-order backward; under ``create_graph`` backward
recomputes it from the input with recorded ops instead (see ``function.py``).
"""

import math

import numpy as np

from .. import tensor
from ..function import Function
from .exponential import Erfc
from .helpers import floating, scalar_like, sigmoid_values
from .special import normal_cdf_values

__all__ = ["GELU", "SiLU", "Mish", "ELU", "Softplus", "LogSigmoid", "Softsign", "Hardtanh", "Hardsigmoid",
           "Hardswish", "PReLU"]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_SCALE = math.sqrt(2.0 / math.pi)  # GELU's tanh approximation: tanh(k (x + 0.044715 x**3))
_TANH_CUBIC = 0.044715
# Beyond these |x| each factor below is exactly flat in float64 and float32 (a density or 1 - t**2 is 0, a
# sigmoid or tanh is 0 or +-1): x clipped there gives the same bits, and never overflows nor meets inf * 0.
_SATURATED = 1e3  # e**(-x**2/2), e**-x are 0 (also as normal CDF and sigmoid of -x)
_TANH_SATURATED = 1e6  # tanh(k (x + 0.044715 x**3)) is +-1


# --------------------------------------------- the same function of an array or a Tensor
def _recording(value):
    """Whether backward runs under ``create_graph`` (it then gets Tensors, otherwise arrays or numpy scalars)."""
    return isinstance(value, tensor.Tensor)


def _softplus_values(x):
    """log(1 + e**x) of an array without overflow: max(x, 0) + log1p(e**-|x|) (2.5x faster than np.logaddexp)."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    """1 / (1 + e**-x): computed stably for an array, recorded as ``Sigmoid`` for a Tensor."""
    return x.sigmoid() if _recording(x) else sigmoid_values(x)


def _softplus(x):
    """log(1 + e**x): computed stably for an array, recorded as ``Softplus`` for a Tensor."""
    return Softplus.apply(x) if _recording(x) else _softplus_values(x)


def _normal_cdf(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2: directly for an array, recorded through ``Erfc`` for a Tensor."""
    return Erfc.apply(x * -_SQRT_HALF) * 0.5 if _recording(x) else normal_cdf_values(x)


# ---------------------------------------------------------------- smooth ones
class GELU(Function):
    """x Phi(x), Phi the standard normal CDF;  dx = g (Phi(x) + x phi(x)), phi(x) = e**(-x**2/2) / sqrt(2 pi).

    With ``approximate="tanh"``: 0.5 x (1 + t), t = tanh(k (x + 0.044715 x**3)),
    k = sqrt(2/pi);  dx = g (0.5 (1 + t) + 0.5 x (1 - t**2) k (1 + 3 * 0.044715 x**2)).
    """

    @staticmethod
    def forward(ctx, x, approximate="none"):
        x = floating(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            t = _gelu_tanh(np.clip(x, -_TANH_SATURATED, _TANH_SATURATED))
            ctx.save_for_backward(x, t)
            return 0.5 * np.maximum(x, -_TANH_SATURATED) * (1 + t)  # (-inf * 0 would be NaN; the limit is -0)
        cdf = normal_cdf_values(x)
        ctx.save_for_backward(x, cdf)
        return np.maximum(x, -_SATURATED) * cdf

    @staticmethod
    def backward(ctx, grad):
        x, saved = ctx.saved_tensors
        first_order = not _recording(grad)
        if ctx.approximate == "tanh":
            near = np.clip(x, -_TANH_SATURATED, _TANH_SATURATED)
            t = saved if first_order else _gelu_tanh(near)
            slope = _TANH_SCALE * (1 + (3 * _TANH_CUBIC) * (near * near))
            return grad * (0.5 * (1 + t) + 0.5 * near * (1 - t * t) * slope)
        near = np.clip(x, -_SATURATED, _SATURATED)
        cdf = saved if first_order else _normal_cdf(x)
        return grad * (cdf + near * (np.exp(near * near * -0.5) * _INV_SQRT_2PI))


def _gelu_tanh(x):
    """tanh(k (x + 0.044715 x**3)) of an array or a Tensor (``x`` already clipped, so the cube cannot overflow)."""
    return np.tanh(_TANH_SCALE * (x + _TANH_CUBIC * (x * x * x)))


class SiLU(Function):
    """x sigmoid(x) (also called swish);  dx = g s (1 + x (1 - s)), s = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        s = _sigmoid(x)
        ctx.save_for_backward(x, s)
        return np.maximum(x, -_SATURATED) * s  # s = 0 below -1e3: -0, not -inf * 0

    @staticmethod
    def backward(ctx, grad):
        x, saved = ctx.saved_tensors
        s = _sigmoid(x) if _recording(grad) else saved
        near = np.clip(x, -_SATURATED, _SATURATED)  # 1 - s = 0 above 1e3, s = 0 below -1e3
        return grad * (s * (1 + near * (1 - s)))


class Mish(Function):
    """x tanh(softplus(x));  dx = g (t + x (1 - t**2) sigmoid(x)), t = tanh(softplus(x))."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        t = np.tanh(_softplus_values(x))
        ctx.save_for_backward(x, t)
        return np.maximum(x, -_SATURATED) * t  # t = 0 below -1e3: -0, not -inf * 0

    @staticmethod
    def backward(ctx, grad):
        x, saved = ctx.saved_tensors
        near = np.clip(x, -_SATURATED, _SATURATED)  # t is 0 below -1e3 and 1 above 1e3 (1 - t**2 = 0)
        t = np.tanh(_softplus(near)) if _recording(grad) else saved
        return grad * (t + near * (1 - t * t) * _sigmoid(near))


class ELU(Function):
    """ELU, SELU and CELU: s x for x > 0, else s a (e**(c x) - 1);  dx = g s for x > 0, else g s a c e**(c x).

    ``alpha`` a, ``scale`` s, ``input_scale`` c: ELU is (a, 1, 1), SELU
    (1.6733, 1.0507, 1), CELU (a, 1, 1/a). At x = 0 the slope is the
    negative side's, s a c (PyTorch's rule: x <= 0 counts as negative), which
    is 1 for ELU with a = 1 and for CELU, and 1.7581 for SELU. The
    exponential only sees the negative side, so nothing overflows.
    """

    @staticmethod
    def forward(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0):
        x = floating(x)
        negative = x <= 0
        ctx.save_for_backward(x, negative)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        exponent = np.where(negative, x, 0) * scalar_like(x, input_scale)
        return np.where(negative, np.expm1(exponent) * scalar_like(x, alpha * scale), x * scalar_like(x, scale))

    @staticmethod
    def backward(ctx, grad):
        x, negative = ctx.saved_tensors
        exponential = np.exp(np.where(negative, x, 0) * ctx.input_scale)
        return grad * np.where(negative, exponential * (ctx.alpha * ctx.scale * ctx.input_scale), ctx.scale)


class Softplus(Function):
    """log(1 + e**(b x)) / b, and x itself where b x > threshold;  dx = g sigmoid(b x), or g past the threshold.

    PyTorch's definition: the switch to the identity at ``threshold`` (20
    by default) is where the two agree to about 2e-9 / b.
    """

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        x = floating(x)
        scaled = x * scalar_like(x, beta)
        linear = scaled > threshold
        ctx.save_for_backward(x, linear)
        ctx.beta = beta
        return np.where(linear, x, _softplus_values(scaled) / scalar_like(x, beta))

    @staticmethod
    def backward(ctx, grad):
        x, linear = ctx.saved_tensors
        return grad * np.where(linear, 1, _sigmoid(x * ctx.beta))


class LogSigmoid(Function):
    """log sigmoid(x) = -softplus(-x) = min(x, 0) - log(1 + e**-|x|);  dx = g sigmoid(-x).  Stable at any x."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _sigmoid(-x)


class Softsign(Function):
    """x / (1 + |x|);  dx = g / (1 + |x|)**2."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        finite = np.clip(x, -np.finfo(x.dtype).max, np.finfo(x.dtype).max) if x.dtype.kind == "f" else x
        return finite / (1 + np.abs(finite))  # +-inf gives the limit +-1 (max / (1 + max) is 1), not inf / inf

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        denominator = 1 + np.abs(x)
        return grad / denominator / denominator  # two quotients: the square would overflow for huge |x|


# ---------------------------------------------------------------- piecewise linear ones
class Hardtanh(Function):
    """clip(x, min_val, max_val);  dx = g strictly inside (min_val, max_val), else 0: 0 at both bounds (PyTorch's).

    Unlike ``clip``, whose bounds count as inside. ``relu6`` is ``Hardtanh(0, 6)``.
    """

    @staticmethod
    def forward(ctx, x, min_val=-1.0, max_val=1.0):
        inside = (x > min_val) & (x < max_val)
        ctx.save_for_backward(inside)
        return np.clip(x, scalar_like(x, min_val), scalar_like(x, max_val))

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return np.where(inside, grad, 0)


class Hardsigmoid(Function):
    """clip(x / 6 + 1/2, 0, 1);  dx = g / 6 strictly inside (-3, 3), else 0: 0 at -3 and 3 (PyTorch's)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        inside = (x > -3) & (x < 3)
        ctx.save_for_backward(inside)
        return np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return np.where(inside, grad / 6, 0)


class Hardswish(Function):
    """x clip(x + 3, 0, 6) / 6;  dx = g (2x + 3) / 6 inside (-3, 3), 0 for x <= -3, g for x >= 3 (PyTorch's).

    So the slope is 0 at x = -3 and 1 at x = 3 (the outer pieces' slopes).
    """

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x, x >= 3, (x > -3) & (x < 3))
        near = np.clip(x, -3, 3)  # equal to x where it is used: no overflow of x * 6, no -inf * 0
        return np.where(x >= 3, x, near * np.clip(near + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, above, inside = ctx.saved_tensors
        near = np.clip(x, -3, 3)  # equal to x where it is used; 2x + 3 cannot overflow
        return np.where(inside, grad * (2 * near + 3) / 6, np.where(above, grad, 0))


class PReLU(Function):
    """x where x > 0, else w x, w broadcast against x (a learned slope);  dx = g where x > 0, else w g;
    dw = g x where x <= 0, else 0.  At x = 0 the slope is w, as ``LeakyReLU``'s."""

    @staticmethod
    def forward(ctx, x, weight):
        positive = x > 0
        ctx.save_for_backward(x, weight, positive)
        return np.where(positive, x, weight * x)

    @staticmethod
    def backward(ctx, grad):
        x, weight, positive = ctx.saved_tensors
        dx, dw = ctx.needs_input_grad
        return (np.where(positive, grad, grad * weight) if dx else None,
                np.where(positive, 0, grad * x) if dw else None)

