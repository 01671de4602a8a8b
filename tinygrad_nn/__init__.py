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
                     VersionError, no_grad, enable_grad, set_grad_enabled, is_grad_enabled, detect_anomaly,
                     maximum, where,
                     concatenate, stack)
from . import autograd
from .math_functions import *  # noqa: F401,F403 - tg.sin, tg.minimum, ...: the names in math_functions.__all__
from . import math_functions as _math_functions
from .random import manual_seed
from .factories import (zeros, ones, full, empty, zeros_like, ones_like, full_like, rand, randn, rand_like,
                        randn_like, arange, linspace, eye, float16, float32, float64, int32, int64)
from . import functional, nn
from .serialization import save, load, UnsafeFileError, CorruptFileError
from . import optim, data
from . import viz
from .checks import gradcheck, gradgradcheck, check_graph, GradcheckError
from .catalog import ops_table
from .compiler import compile, TraceError  # noqa: A004 - tg.compile, as torch.compile
from . import interop

__all__ = ["__version__", "Tensor", "Function", "Context", "AnomalyError", "NotDifferentiableError",
           "ShapeError", "VersionError", "autograd", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly", "maximum", "where",
           "concatenate", "stack", *_math_functions.__all__,
           "manual_seed", "zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like", "rand",
           "randn", "rand_like", "randn_like", "arange", "linspace", "eye", "float16", "float32", "float64", "int32", "int64",
           "functional", "nn", "save", "load", "UnsafeFileError", "CorruptFileError",
           "optim", "data", "viz", "interop",
           "gradcheck", "gradgradcheck", "check_graph", "GradcheckError", "ops_table",
           "compile", "TraceError"]
