"""``TensorOps``: the operators and methods of ``Tensor`` that compute something.

Each is one line: the op that records it (``engine/ops``). The operators
are here; the named methods are grouped by area in ``methods/``.
``Tensor`` inherits them all; the data, gradient and graph of a tensor live
in ``tensor.py``.
"""

import numpy as np

from . import grad_mode, tensor
from .errors import ShapeError
from .methods.arguments import index_argument
from .ops import Abs, Add, Div, GetItem, MatMul, Mul, Neg, Pow, Sub
from .methods import ElementwiseMethods, InPlaceMethods, ReductionMethods, ShapeMethods, TorchNameMethods

__all__ = ["TensorOps"]


class TensorOps(ElementwiseMethods, ReductionMethods, ShapeMethods, InPlaceMethods, TorchNameMethods):
    """Arithmetic (numpy broadcasting, both sides), comparisons, and the elementwise, reduction and
    shape methods, each recorded as one op."""

    __slots__ = ()

    # ----------------------------------------------------------- operators
    def __add__(self, other): return Add.apply(self, other)
    def __radd__(self, other): return Add.apply(other, self)
    def __sub__(self, other): return Sub.apply(self, other)
    def __rsub__(self, other): return Sub.apply(other, self)
    def __mul__(self, other): return Mul.apply(self, other)
    def __rmul__(self, other): return Mul.apply(other, self)
    def __truediv__(self, other): return Div.apply(self, other)
    def __rtruediv__(self, other): return Div.apply(other, self)
    def __pow__(self, other): return Pow.apply(self, other)
    def __rpow__(self, other): return Pow.apply(other, self)
    def __matmul__(self, other): return MatMul.apply(self, other)
    def __rmatmul__(self, other): return MatMul.apply(other, self)
    def __neg__(self): return Neg.apply(self)
    def __pos__(self): return self
    def __abs__(self): return Abs.apply(self)
    def __getitem__(self, index): return GetItem.apply(self, index=index_argument(index, "GetItem"))

    # comparisons and logical operators give bool tensors that never require grad (masks for where)
    def _compare(self, other, ufunc, symbol):
        values = other
        if isinstance(other, tensor.Tensor):
            values = other._data
        elif not isinstance(other, (int, float, bool, np.generic)) or (isinstance(other, int)
                                                                         and other.bit_length() > 63):
            values = tensor.as_array(other, f"{symbol} (comparison)")  # strings, None, ragged lists: our message
        try:
            out = tensor.make_tensor(np.asarray(ufunc(self._data, values)))
        except ValueError as error:
            raise ShapeError(f"{symbol} (comparison): cannot compare a tensor of shape {self.shape} with shape "
                             f"{np.shape(values)}; the shapes must broadcast") from error
        grad_mode.notify_tracer("compare", out, ufunc, self, other)  # so a compiled function recomputes the mask
        return out

    def __lt__(self, other): return self._compare(other, np.less, "<")
    def __le__(self, other): return self._compare(other, np.less_equal, "<=")
    def __gt__(self, other): return self._compare(other, np.greater, ">")
    def __ge__(self, other): return self._compare(other, np.greater_equal, ">=")
    def __eq__(self, other): return self._compare(other, np.equal, "==")
    def __ne__(self, other): return self._compare(other, np.not_equal, "!=")
    def __and__(self, other): return self._compare(other, np.logical_and, "&")
    def __or__(self, other): return self._compare(other, np.logical_or, "|")
    def __xor__(self, other): return self._compare(other, np.logical_xor, "^")
    def __rand__(self, other): return self._compare(other, np.logical_and, "&")
    def __ror__(self, other): return self._compare(other, np.logical_or, "|")
    def __rxor__(self, other): return self._compare(other, np.logical_xor, "^")
    def __invert__(self): return tensor.make_tensor(np.asarray(np.logical_not(self._data)))
