"""Reduction methods of ``Tensor`` (sum, mean, var, prod, norm, argmax, ...) and the softmax family.

Every reduction takes the axes as numpy's ``axis=`` or PyTorch's ``dim=``
(None: all axes; an int; a tuple), and ``keepdims=`` or ``keepdim=``.
``max`` and ``min`` follow the name they are called with: over numpy's
``axis=`` they return the values (numpy's and ``torch.amax``'s meaning),
over PyTorch's ``dim=`` the pair ``(values, indices)`` that ``torch.max(x,
dim)`` returns.
"""

import collections
import math
import numbers

import numpy as np

from .. import ops, tensor
from ..ops.reduce_more import CumSum, LogSumExp, Norm, Prod, Std, Var, normalized_axes
from .arguments import axis_argument, dim_argument, flag_argument, number_argument

__all__ = ["ReductionMethods", "ValuesIndices"]

# What torch.max(x, dim), sort and topk return (torch.return_types): a tuple with named fields.
ValuesIndices = collections.namedtuple("ValuesIndices", ["values", "indices"])


class ReductionMethods:
    """Reductions over axes, each recorded as one op (arg- and logical reductions give plain results)."""

    __slots__ = ()

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Sum over ``axis`` (None: all axes)."""
        return self._reduce(ops.Sum, "sum", axis, keepdims, dim, keepdim)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Mean over ``axis`` (None: all axes)."""
        return self._reduce(ops.Mean, "mean", axis, keepdims, dim, keepdim)

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Maximum over ``axis`` (values only, like ``torch.amax``); tied maxima share the gradient evenly.

        With PyTorch's ``dim=`` (one axis) it is ``torch.max(x, dim)``: the
        pair ``(values, indices)``, the gradient going to the first maximum.
        """
        if dim is not None:
            return self._extreme_along("max", *_spelling("max", axis, dim, keepdims, keepdim))
        return self._reduce(ops.Max, "max", axis, keepdims, dim, keepdim)

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Minimum over ``axis`` (values only, like ``torch.amin``); tied minima share the gradient evenly.

        With PyTorch's ``dim=`` it is ``torch.min(x, dim)``: ``(values, indices)``.
        """
        if dim is not None:
            return self._extreme_along("min", *_spelling("min", axis, dim, keepdims, keepdim))
        return self._reduce(ops.Min, "min", axis, keepdims, dim, keepdim)

    def _extreme_along(self, name, dim, keepdim):
        """``(values, indices)`` of the max or min along the one axis ``dim``, as ``torch.max(x, dim)`` gives them.

        The values are gathered at the indices (the first one, on ties), so
        the gradient goes to that entry only, as PyTorch's does.
        """
        flat = self.reshape(self.shape or (1,))  # a 0-d tensor has its one value along dim 0 (or -1)
        axis = dim_argument(dim, flat.ndim, name)
        indices = flat._arg_reduction(np.argmax if name == "max" else np.argmin, name, axis, True, None, None)
        values = flat.gather(axis, indices)
        if not keepdim or self.ndim == 0:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return ValuesIndices(values, indices)

    def _reduce(self, op, name, axis, keepdims, dim, keepdim):
        """``op`` over the axes given in numpy's (``axis``, ``keepdims``) or PyTorch's (``dim``, ``keepdim``) names."""
        if dim is not None or keepdim is not None:
            axis, keepdims = _spelling(name, axis, dim, keepdims, keepdim)
        if axis is not None or keepdims is not False:  # (the plain call needs no checking)
            axis, keepdims = axis_argument(axis, name, self.ndim), flag_argument(keepdims, "keepdims", name)
        return op.apply(self, axis=axis, keepdims=keepdims)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """PyTorch's name for ``max`` over ``dim`` (values only; ties share the gradient evenly)."""
        return self.max(*_spelling("amax", axis, dim, keepdims, keepdim))

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """PyTorch's name for ``min`` over ``dim`` (values only; ties share the gradient evenly)."""
        return self.min(*_spelling("amin", axis, dim, keepdims, keepdim))

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None,
            ddof=None):
        """Variance over ``dim``: ``sum((x - mean)**2) / (n - correction)``, PyTorch's default ``correction=1``.

        ``unbiased=False`` (PyTorch's older spelling) or numpy's ``ddof=0``
        give the population variance (``correction=0``). The groups need
        more than ``correction`` elements. dx = g * 2 (x - mean) / (n - correction).
        """
        return self._moment(Var, "var", dim, unbiased, keepdim, correction, axis, keepdims, ddof)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None,
            ddof=None):
        """Standard deviation ``sqrt(var(...))``, with ``var``'s arguments; its gradient is 0 where it is 0."""
        return self._moment(Std, "std", dim, unbiased, keepdim, correction, axis, keepdims, ddof)

    def _moment(self, function, op, dim, unbiased, keepdim, correction, axis, keepdims, ddof):
        axis, keepdims = _spelling(op, axis, dim, keepdims, keepdim)
        given = {name: value for name, value in (("unbiased", unbiased), ("correction", correction),
                                                 ("ddof", ddof)) if value is not None}
        if len(given) > 1:
            raise TypeError(f"{op}: give one of unbiased=, correction= and ddof=, not {' and '.join(given)}")
        if unbiased is not None:
            correction = 1 if flag_argument(unbiased, "unbiased", op) else 0
        elif ddof is not None:
            correction = ddof
        correction = 1 if correction is None else correction
        if not isinstance(correction, numbers.Real) or isinstance(correction, bool) or not 0 <= correction < math.inf:
            raise TypeError(f"{op}: correction must be a non-negative number, got {correction!r:.40}")
        return function.apply(self, axis=normalized_axes(axis, self.ndim, op), correction=correction,
                              keepdims=bool(keepdims))

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Product over ``dim``; dx_i = g * (product of the other entries), exact where entries are 0."""
        axis, keepdims = _spelling("prod", axis, dim, keepdims, keepdim)
        return Prod.apply(self, axis=normalized_axes(axis, self.ndim, "prod"), keepdims=bool(keepdims))

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``log(sum(exp(x)))`` over ``dim``, computed stably; its gradient is the softmax over ``dim``."""
        axis, keepdims = _spelling("logsumexp", axis, dim, keepdims, keepdim)
        return LogSumExp.apply(self, axis=normalized_axes(axis, self.ndim, "logsumexp"), keepdims=bool(keepdims))

    def norm(self, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None, ord=None):
        """The vector p-norm over ``dim`` (None: all elements): ``(sum |x|**p)**(1/p)``.

        ``p`` (or numpy's ``ord``): ``"fro"`` or 2 (Euclidean), 1, any real
        number >= 1, ``inf`` (max |x|) or ``-inf`` (min |x|). The gradient at
        the zero vector is 0 (a subgradient, as in PyTorch); for ``inf`` tied
        maxima of |x| share it evenly. Matrix norms (spectral, nuclear) are
        not provided: a matrix gets the norm of its entries. The norm of an
        integer or bool tensor is float64 (numpy's ``linalg.norm`` agrees).
        """
        axis, keepdims = _spelling("norm", axis, dim, keepdims, keepdim)
        p = _norm_order(p if ord is None else ord)
        axes = normalized_axes(axis, self.ndim, "norm")
        keepdims = bool(keepdims)
        x = self if self.dtype.kind == "f" else self.astype(np.float64)  # an int norm is float, as numpy's
        if p == math.inf:
            return x.abs().max(axis=axes, keepdims=keepdims)
        if p == -math.inf:
            return x.abs().min(axis=axes, keepdims=keepdims)
        if p == 1:
            return x.abs().sum(axis=axes, keepdims=keepdims)
        return Norm.apply(x, axis=axes, p=p, keepdims=keepdims)

    def cumsum(self, dim=None, *, axis=None):
        """Cumulative sum along ``dim`` (None: over the flattened tensor, as numpy does)."""
        axis, _ = _spelling("cumsum", axis, dim, None, None)
        if axis is not None:
            (axis,) = normalized_axes(axis_argument(axis, "cumsum", self.ndim, single=True), max(self.ndim, 1),
                                      "cumsum")
            if self.ndim == 0:  # the cumulative sum of one number along its only "axis" (PyTorch keeps 0-d)
                return self.clone()
        return CumSum.apply(self, axis=axis)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The index of the largest entry along ``dim`` (None: in the flattened tensor), as an int64 tensor.

        Ties give the first index (numpy and PyTorch agree); NaN counts as the
        largest. No gradient flows through indices.
        """
        return self._arg_reduction(np.argmax, "argmax", dim, keepdim, axis, keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The index of the smallest entry along ``dim``, as ``argmax`` (first index on ties)."""
        return self._arg_reduction(np.argmin, "argmin", dim, keepdim, axis, keepdims)

    def _arg_reduction(self, function, op, dim, keepdim, axis, keepdims):
        axis, keepdims = _spelling(op, axis, dim, keepdims, keepdim)
        if axis is not None:
            (axis,) = normalized_axes(axis_argument(axis, op, self.ndim, single=True), max(self.ndim, 1), op)
        if self.size == 0 and (axis is None or self.shape[axis] == 0):  # (an empty result has nothing to index)
            raise ValueError(f"{op}: the tensor of shape {self.shape} has no entries along "
                             f"{'its axes' if axis is None else f'axis {axis}'}, so there is no index to give")
        result = function(self._data, axis=axis if self.ndim else None, keepdims=keepdims)
        return tensor.make_tensor(np.asarray(result, dtype=np.int64))

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where every entry along ``dim`` is nonzero: a bool tensor (no gradient)."""
        return self._logical(np.all, "all", dim, keepdim, axis, keepdims)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where some entry along ``dim`` is nonzero: a bool tensor (no gradient)."""
        return self._logical(np.any, "any", dim, keepdim, axis, keepdims)

    def _logical(self, function, op, dim, keepdim, axis, keepdims):
        axis, keepdims = _spelling(op, axis, dim, keepdims, keepdim)
        axes = normalized_axes(axis, self.ndim, op)
        return tensor.make_tensor(np.asarray(function(self._data, axis=axes, keepdims=bool(keepdims))))

    def softmax(self, axis=-1, *, dim=None):
        """exp(x) / sum(exp(x)) along ``axis`` (or ``dim``), computed stably."""
        return ops.Softmax.apply(self, axis=axis_argument(axis if dim is None else dim, "softmax", self.ndim))

    def log_softmax(self, axis=-1, *, dim=None):
        """x - log(sum(exp(x))) along ``axis`` (or ``dim``), computed stably."""
        return ops.LogSoftmax.apply(self, axis=axis_argument(axis if dim is None else dim, "log_softmax", self.ndim))


def _spelling(op, axis, dim, keepdims, keepdim):
    """``(axis, keepdims)`` from numpy's (``axis``, ``keepdims``) or PyTorch's (``dim``, ``keepdim``) names."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: give dim= (PyTorch's name) or axis= (numpy's), not both")
    keepdim, keepdims = (flag_argument(value, name, op, allow_none=True)
                         for value, name in ((keepdim, "keepdim"), (keepdims, "keepdims")))
    return (axis if dim is None else dim), bool(keepdim) or bool(keepdims)


def _norm_order(p):
    """``p`` of ``norm`` as a float (``"fro"`` is 2); anything else is a clear error."""
    if isinstance(p, str):
        if p == "fro":
            return 2.0
        raise ValueError(f"norm: p={p!r} is not supported; use 'fro', 1, 2, a number >= 1, inf or -inf "
                         "(matrix norms such as 'nuc' are not provided)")
    order = number_argument(p, "p", "norm") if isinstance(p, numbers.Real) and not isinstance(p, bool) else None
    if order is None or math.isnan(order) or not (order >= 1 or order == -math.inf):
        raise ValueError(f"norm: p must be 'fro', a number >= 1, inf or -inf, got {p!r:.40}")
    return order
