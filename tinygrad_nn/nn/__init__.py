"""Neural-network modules: layers, containers, initialization, summary and unit watching.

>>> import tinygrad_nn as tg
>>> net = tg.nn.MLP([3, 4, 4, 1], activation=tg.nn.Sigmoid)
>>> net(tg.Tensor([[0.5, -1.0, 2.0]])).shape
(1, 1)
"""

from .module import Module, HookHandle, StateDictError, LoadResult, scope_path
from .linear import Linear, Maxout
from .activation import Sigmoid, Tanh, ReLU, LeakyReLU, Identity
from .dropout import Dropout
from .container import Sequential, MLP
from .flatten import Flatten, Unflatten
from .loss import (CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, SmoothL1Loss,
                   HuberLoss, KLDivLoss)
from .summary import summary, ModelSummary, LayerRow
from .watch import watch_units, UnitWatcher, UnitStats
from . import init

__all__ = ["Module", "HookHandle", "StateDictError", "LoadResult", "scope_path",
           "Linear", "Maxout", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity",
           "Dropout", "Sequential", "MLP", "Flatten", "Unflatten", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "init", "summary", "ModelSummary", "LayerRow",
           "watch_units", "UnitWatcher", "UnitStats"]
