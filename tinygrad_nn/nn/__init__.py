"""Neural-network modules: layers, containers, initialization, summary and unit watching.

>>> import tinygrad_nn as tg
>>> net = tg.nn.MLP([3, 4, 4, 1], activation=tg.nn.Sigmoid)
>>> net(tg.Tensor([[0.5, -1.0, 2.0]])).shape
(1, 1)
"""

from .module import Module, HookHandle, StateDictError, LoadResult, scope_path
from .linear import Linear, Maxout
from .activation import (Sigmoid, Tanh, ReLU, LeakyReLU, Identity, GELU, SiLU, Mish, ELU, SELU, CELU, Softplus,
                         Softsign, LogSigmoid, Tanhshrink, Softmax, LogSoftmax, Softmin, Hardtanh, ReLU6,
                         Hardsigmoid, Hardswish, PReLU, activation_maker)
from . import activation as _activation
from .dropout import Dropout
from .container import Sequential, ModuleList, ModuleDict, MLP
from .flatten import Flatten, Unflatten
from .normalization import LayerNorm
from .loss import (CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, SmoothL1Loss,
                   HuberLoss, KLDivLoss)
from .summary import summary, ModelSummary, LayerRow
from .watch import watch_units, UnitWatcher, UnitStats
from . import init
from . import functional  # torch.nn.functional's path for tinygrad_nn.functional

__all__ = ["Module", "HookHandle", "StateDictError", "LoadResult", "scope_path",
           "Linear", "Maxout", *_activation.__all__,
           "Dropout", "Sequential", "ModuleList", "ModuleDict", "MLP", "Flatten", "Unflatten", "LayerNorm",
           "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "init", "functional",
           "summary",
           "ModelSummary", "LayerRow", "watch_units", "UnitWatcher", "UnitStats"]
