"""Over to PyTorch and back: ``to_torch(module)`` and ``from_torch(torch_module)``.

A network that outgrows numpy moves to PyTorch with its structure, its
``state_dict`` names and its weights; one trained in PyTorch comes back the
same way. What maps:

* ``Linear`` <-> ``torch.nn.Linear`` (the same ``(out, in)`` weight layout);
* ``Sequential`` <-> ``torch.nn.Sequential`` (children ``0``, ``1``, ...);
* ``MLP`` <-> ``TorchMLP``, a small torch module of ours with a ``layers``
  Sequential, so the names stay ``layers.0.weight``, ``layers.0.bias``, ...;
* ``Maxout`` <-> ``TorchMaxout``, a small torch module of ours with the same
  ``weight`` (out, pieces, in) and ``bias`` (out, pieces); tied pieces share
  the gradient evenly there too (``torch.amax``);
* ``Dropout``, ``Flatten``, ``Unflatten`` and every activation module, by class
  name through ``MODULES`` (extend it with a new module's name and the
  constructor arguments both libraries share);
* a ``Tensor`` <-> a ``torch.Tensor`` (a copy, with ``requires_grad``).

Anything else raises a ``TypeError`` naming the module, where it sits in the
tree and what is supported; so do subclasses of the mapped classes (their
``forward`` may compute something else), a torch ``Sequential`` whose
children are not named ``0``, ``1``, ... (the names would change) and a
``Softmax(dim=None)``. A module used twice (shared weights) maps to one
module used twice. Parameters keep their dtype (float64 stays
float64), and each module's ``training``/``eval`` mode carries over. PyTorch is imported
only when a conversion runs: it is not a dependency, and without it these
functions raise an ImportError that says how to install it.
"""

import numpy as np

from .engine import Tensor
from . import nn

__all__ = ["to_torch", "from_torch", "MODULES"]  # and TorchMaxout, TorchMLP: made on first use (need torch)

# our class name -> (torch.nn class name, constructor arguments both keep as attributes of that name)
MODULES = {
    "Identity": ("Identity", ()), "Sigmoid": ("Sigmoid", ()), "Tanh": ("Tanh", ()), "ReLU": ("ReLU", ()),
    "LeakyReLU": ("LeakyReLU", ("negative_slope",)), "GELU": ("GELU", ("approximate",)), "SiLU": ("SiLU", ()),
    "Swish": ("SiLU", ()), "Mish": ("Mish", ()), "ELU": ("ELU", ("alpha",)), "SELU": ("SELU", ()),
    "CELU": ("CELU", ("alpha",)), "Softplus": ("Softplus", ("beta", "threshold")), "Softsign": ("Softsign", ()),
    "LogSigmoid": ("LogSigmoid", ()), "Tanhshrink": ("Tanhshrink", ()), "Softmin": ("Softmin", ("dim",)), "Softmax": ("Softmax", ("dim",)),
    "LogSoftmax": ("LogSoftmax", ("dim",)), "Hardtanh": ("Hardtanh", ("min_val", "max_val")),
    "ReLU6": ("ReLU6", ()), "Hardsigmoid": ("Hardsigmoid", ()), "Hardswish": ("Hardswish", ()),
    "PReLU": ("PReLU", ("num_parameters",)),
    "Dropout": ("Dropout", ("p",)), "Flatten": ("Flatten", ("start_dim", "end_dim")),
    "Unflatten": ("Unflatten", ("dim", "unflattened_size")),
}

_TORCH_CLASSES = {}  # TorchMaxout and TorchMLP, made on first use (they subclass torch.nn.Module)


def _torch():
    try:
        import torch
    except ImportError as error:
        raise ImportError("tinygrad_nn.interop needs PyTorch, which tinygrad_nn does not depend on; install it "
                          "with `pip install torch` (a CPU-only build: `pip install torch --index-url "
                          "https://download.pytorch.org/whl/cpu`)") from error
    return torch


def __getattr__(name):
    """``TorchMaxout`` and ``TorchMLP`` are made when first asked for (they need torch)."""
    if name in ("TorchMaxout", "TorchMLP"):
        return _torch_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _torch_classes():
    if not _TORCH_CLASSES:
        torch = _torch()

        class Maxout(torch.nn.Module):
            """Maxout units in PyTorch: ``max_k (x @ weight[u, k] + bias[u, k])``, as ``tinygrad_nn.nn.Maxout``."""

            def __init__(self, in_features, out_features, pieces=2, dtype=None):
                super().__init__()
                self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
                self.weight = torch.nn.Parameter(torch.empty(out_features, pieces, in_features, dtype=dtype))
                self.bias = torch.nn.Parameter(torch.zeros(out_features, pieces, dtype=dtype))
                torch.nn.init.kaiming_normal_(self.weight.view(-1, in_features))

            def forward(self, x):
                scores = torch.nn.functional.linear(x, self.weight.reshape(-1, self.in_features),
                                                    self.bias.reshape(-1))
                return scores.reshape(*scores.shape[:-1], self.out_features, self.pieces).amax(dim=-1)

            def extra_repr(self):
                return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"

        class MLP(torch.nn.Module):
            """``tinygrad_nn.nn.MLP`` in PyTorch: a ``layers`` Sequential, so parameter names match."""

            def __init__(self, layers, sizes):
                super().__init__()
                self.sizes = list(sizes)
                self.layers = layers

            def forward(self, x):
                return self.layers(x)

            def extra_repr(self):
                return f"sizes={self.sizes}"

        _TORCH_CLASSES.update(TorchMaxout=Maxout, TorchMLP=MLP)
    return _TORCH_CLASSES


def _available():
    """The entries of ``MODULES`` whose class tinygrad_nn has."""
    return {ours: spec for ours, spec in MODULES.items() if hasattr(nn, ours)}


def _supported():
    return "Linear, Maxout, Sequential, MLP and " + ", ".join(sorted(_available()))


# ------------------------------------------------------------------ to PyTorch
def to_torch(module):
    """A ``torch.nn.Module`` with ``module``'s structure, ``state_dict`` names and weights (or a tensor's copy)."""
    torch = _torch()
    if isinstance(module, Tensor):
        return torch.tensor(module.data, requires_grad=module.requires_grad)
    if not isinstance(module, nn.Module):
        raise TypeError(f"to_torch: expected a tinygrad_nn Module or Tensor, got {type(module).__name__}")
    return _to_torch(torch, module, "", {})


def _to_torch(torch, module, path, made_for):
    """The torch module for ``module`` (at ``path``); see ``_converted``."""
    return _converted(_torch_module, torch, module, path, made_for)


def _torch_module(torch, module, path, made_for):
    kind = type(module).__name__  # exact classes: a subclass may compute something else in its forward
    if type(module) is nn.MLP:
        layers = _to_torch(torch, module.layers, _join(path, "layers"), made_for)
        return _torch_classes()["TorchMLP"](layers, module.sizes)
    if type(module) is nn.Sequential:
        return torch.nn.Sequential(*[_to_torch(torch, child, _join(path, str(i)), made_for)
                                     for i, child in enumerate(module)])
    if type(module) is nn.Linear:
        made = torch.nn.Linear(module.in_features, module.out_features, bias=module.bias is not None,
                               dtype=_torch_dtype(torch, module.weight.dtype, path))
    elif type(module) is nn.Maxout:
        made = _torch_classes()["TorchMaxout"](module.in_features, module.out_features, module.pieces,
                                               dtype=_torch_dtype(torch, module.weight.dtype, path))
    elif kind in _available() and type(module) is getattr(nn, kind):
        torch_name, arguments = MODULES[kind]
        options = _arguments(module, arguments)
        if "dim" in options and options["dim"] is None:  # ours: the last axis; torch's None is a legacy guess
            options["dim"] = -1
        made = getattr(torch.nn, torch_name)(**options)
        parameters = list(module.parameters())  # (PReLU's num_parameters attribute hides the method)
        if parameters:  # e.g. PReLU's slopes: in our dtype
            made = made.to(_torch_dtype(torch, parameters[0].dtype, path))
    else:
        raise TypeError(f"to_torch: no PyTorch equivalent for {kind}{_where(path)}; supported: {_supported()}")
    values = {name: torch.from_numpy(array) for name, array in module.state_dict().items()}
    made.load_state_dict(values, strict=True)
    frozen = {name for name, parameter in module.named_parameters() if not parameter.requires_grad}
    for name, parameter in made.named_parameters():
        parameter.requires_grad_(name not in frozen)
    return made


# ------------------------------------------------------------------ from PyTorch
def from_torch(module):
    """A tinygrad_nn Module with ``module``'s structure, ``state_dict`` names and weights (or a tensor's copy)."""
    torch = _torch()
    if isinstance(module, torch.Tensor):
        return Tensor(module.detach().cpu().numpy().copy(), requires_grad=module.requires_grad)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module or torch.Tensor, got {type(module).__name__}")
    return _from_torch(torch, module, "", {})


def _from_torch(torch, module, path, made_for):
    """Our module for the torch ``module`` (at ``path``); see ``_converted``."""
    return _converted(_our_module, torch, module, path, made_for)


def _our_module(torch, module, path, made_for):
    classes = _torch_classes()
    kind = type(module).__name__  # exact classes: a subclass may compute something else in its forward
    if type(module) is classes["TorchMLP"]:
        made = nn.MLP.__new__(nn.MLP)  # the layers come from torch, not from MLP's constructor
        nn.Module.__init__(made)
        made.sizes = list(module.sizes)
        made.layers = _from_torch(torch, module.layers, _join(path, "layers"), made_for)
        return made
    if type(module) is torch.nn.Sequential:
        children = list(module._modules.items())  # named_children() would list a shared module once
        names = [name for name, _ in children]
        if names != [str(i) for i in range(len(children))] or any(child is None for _, child in children):
            raise TypeError(f"from_torch: a torch.nn.Sequential{_where(path)} with children named {names[:6]}: "
                            f"ours names the children of a Sequential 0, 1, 2, ..., so the state_dict names "
                            f"would change; build it from a plain list of modules")
        return nn.Sequential(*[_from_torch(torch, child, _join(path, name), made_for) for name, child in children])
    if type(module) is torch.nn.Linear:
        made = nn.Linear(module.in_features, module.out_features, bias=module.bias is not None,
                         dtype=_numpy_dtype(torch, module.weight.dtype, path))
    elif type(module) is classes["TorchMaxout"]:
        made = nn.Maxout(module.in_features, module.out_features, module.pieces,
                         dtype=_numpy_dtype(torch, module.weight.dtype, path))
    else:
        available = _available()
        ours = next((name for name, (torch_name, _) in available.items()
                     if torch_name == kind and type(module) is getattr(torch.nn, torch_name, None)), None)
        if ours is None:
            raise TypeError(f"from_torch: no tinygrad_nn equivalent for torch.nn.{kind}{_where(path)}; "
                            f"supported: torch.nn.Linear, torch.nn.Sequential, TorchMLP, TorchMaxout and "
                            f"{', '.join(sorted({torch_name for torch_name, _ in available.values()}))}")
        options = _arguments(module, MODULES[ours][1])
        if "dim" in options and options["dim"] is None:
            raise TypeError(f"from_torch: torch.nn.{kind}(dim=None){_where(path)} picks its axis from the "
                            f"input's number of dimensions (a deprecated guess of PyTorch's); give it dim= (ours "
                            f"uses the last axis, dim=-1)")
        made = getattr(nn, ours)(**options)
        for ours_parameter, theirs in zip(made.parameters(), module.parameters()):  # PReLU's slopes: torch's dtype
            ours_parameter.data = ours_parameter.data.astype(_numpy_dtype(torch, theirs.dtype, path))
    made.load_state_dict({name: value.detach().cpu().numpy() for name, value in module.state_dict().items()},
                         strict=True)  # each value in the parameter's dtype, as load_state_dict converts it
    frozen = {name for name, parameter in module.named_parameters() if not parameter.requires_grad}
    for name, parameter in made.named_parameters():
        parameter.requires_grad = name not in frozen
    return made


# ------------------------------------------------------------------ helpers
def _converted(make, torch, module, path, made_for):
    """``make(torch, module, path, made_for)`` once per module, in the same training/eval mode (each its own).

    ``made_for`` maps ``id(module)`` to what was made for it: a module used
    twice in the tree (shared weights) becomes one module used twice.
    """
    if id(module) not in made_for:
        made = make(torch, module, path, made_for)
        made.training = module.training  # not train(): a submodule may be in another mode than its parent
        made_for[id(module)] = made
    return made_for[id(module)]


def _arguments(module, names):
    """The constructor arguments ``names`` read from ``module``'s attributes (those it has)."""
    return {name: getattr(module, name) for name in names if hasattr(module, name)}


def _torch_dtype(torch, dtype, path):
    found = getattr(torch, np.dtype(dtype).name, None)
    if not isinstance(found, torch.dtype):
        raise TypeError(f"to_torch: PyTorch has no {np.dtype(dtype).name}{_where(path)}; convert the module "
                        f"to float32 or float64 first")
    return found


def _numpy_dtype(torch, dtype, path):
    try:
        return torch.empty(0, dtype=dtype).numpy().dtype
    except TypeError:  # bfloat16 and the like
        raise TypeError(f"from_torch: numpy has no {dtype}{_where(path)}; convert the module first "
                        f"(module.float() or module.double())") from None


def _join(path, name):
    return f"{path}.{name}" if path else name


def _where(path):
    return f" (at {path!r})" if path else ""
