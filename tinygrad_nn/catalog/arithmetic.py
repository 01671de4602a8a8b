"""Catalog section: arithmetic operators and the fully connected map."""

import numpy as np

from . import Entry

TITLE = "Arithmetic"

# exponents b at which the table states the slope of a ** b at a = 0 (each case of its kinks column)
_KINK_EXPONENTS = (-1.5, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0)

ENTRIES = [
    Entry("add", ("Tensor.__add__", "Tensor.add", "tg.add", "Tensor.__radd__", "Tensor.__iadd__", "np.add"),
          "a + b", "d/da = 1, d/db = 1"),
    Entry("subtract", ("Tensor.__sub__", "Tensor.sub", "tg.sub", "Tensor.__rsub__", "Tensor.__isub__", "np.subtract"),
          "a - b",
          "d/da = 1, d/db = -1"),
    Entry("multiply", ("Tensor.__mul__", "Tensor.mul", "tg.mul", "Tensor.__rmul__", "Tensor.__imul__", "np.multiply"),
          "a * b",
          "d/da = b, d/db = a"),
    Entry("divide", ("Tensor.__truediv__", "Tensor.div", "tg.div", "Tensor.__rtruediv__", "Tensor.__itruediv__",
                     "np.divide"),
          "a / b", "d/da = 1 / b, d/db = -a / b**2"),
    Entry("power", ("Tensor.__pow__", "Tensor.pow", "tg.pow", "Tensor.__rpow__", "np.power"), "a ** b",
          "d/da = b a**(b-1), d/db = a**b log a",
          "at a = 0: d/da is 0 where b = 0 or b > 1, 1 where b = 1, inf where 0 < b < 1, -inf where b < 0; "
          "d/db is 0 where b >= 0, -inf where b < 0",
          checks=(((0.0,) * len(_KINK_EXPONENTS), (-np.inf, -np.inf, 0.0, np.inf, 1.0, 0.0, 0.0)),),
          probe=lambda a: a ** np.array(_KINK_EXPONENTS)),
    Entry("negative", ("Tensor.__neg__", "Tensor.neg", "tg.neg", "np.negative"), "-a", "-1"),
    Entry("matmul", ("Tensor.__matmul__", "Tensor.matmul", "Tensor.mm", "Tensor.dot", "tg.matmul", "tg.mm", "tg.dot",
                     "Tensor.__rmatmul__", "np.matmul"),
          "a @ b",
          "d/da = g @ b.T, d/db = a.T @ g"),
    Entry("linear", ("F.linear", "nn.Linear"), "x @ W.T + b", "dx = g @ W, dW = g.T @ x, db = sum of g over rows"),
]
