"""tinygrad_nn: a small, readable autograd framework on numpy.

>>> import tinygrad_nn as tg
>>> x = tg.Tensor([[1.0, -2.0]], requires_grad=True)
>>> w = tg.Tensor([[0.5], [0.25]], requires_grad=True)
>>> loss = (x @ w).sigmoid().sum()
>>> loss.backward()
>>> w.grad.shape
(2, 1)
"""

__version__ = "0.1.0"

from .engine import (Tensor, Function, Context, AnomalyError, NotDifferentiableError, ShapeError,
                     VersionError, no_grad, enable_grad, is_grad_enabled, detect_anomaly, maximum, where,
                     concatenate, stack)
from . import autograd
from .random import manual_seed
from . import functional, nn
from .serialization import save, load, UnsafeFileError, CorruptFileError
from . import optim, data
from . import viz
from .checks import gradcheck, gradgradcheck, check_graph, GradcheckError

__all__ = ["__version__", "Tensor", "Function", "Context", "AnomalyError", "NotDifferentiableError",
           "ShapeError", "VersionError", "autograd", "no_grad",
           "enable_grad", "is_grad_enabled", "detect_anomaly", "maximum", "where",
           "concatenate", "stack",
           "manual_seed", "functional", "nn", "save", "load", "UnsafeFileError", "CorruptFileError",
           "optim", "data", "viz",
           "gradcheck", "gradgradcheck", "check_graph", "GradcheckError"]
