"""Over to PyTorch and back: ``to_torch(module)`` and ``from_torch(torch_module)``.

A network that outgrows numpy moves to PyTorch with its structure, its
``state_dict`` names and its weights; one trained in PyTorch comes back the
same way. What maps:

* ``Linear`` <-> ``torch.nn.Linear`` (the same ``(out, in)`` weight layout), ``LayerNorm`` <->
  ``torch.nn.LayerNorm``;
* ``Sequential``, ``ModuleList``, ``ModuleDict`` <-> their ``torch.nn`` classes,
  the children under the same names (``0``, ``1``, ... or their keys), with
  the parameters registered on the container itself (a torch container's
  buffers would be lost, so they are refused);
* ``MLP`` <-> ``TorchMLP``, a small torch module of ours with a ``layers``
  Sequential, so the names stay ``layers.0.weight``, ``layers.0.bias``, ...;
* ``Maxout`` <-> ``TorchMaxout``, a small torch module of ours with the same
  ``weight`` (out, pieces, in) and ``bias`` (out, pieces); tied pieces share
  the gradient evenly there too (``torch.amax``);
* ``Dropout``, ``Flatten``, ``Unflatten`` and every activation module, by class
  name through ``MODULES`` (extend it with a new module's name and the
  constructor arguments both libraries share);
* every loss module (``CrossEntropyLoss``, ``MSELoss``, ...) through ``LOSSES``,
  with its options; class weights (``weight``, ``pos_weight``) come along as
  arrays of their own dtype (PyTorch keeps them as buffers);
* a ``Tensor`` <-> a ``torch.Tensor`` (a copy in the same dtype, with
  ``requires_grad``);
* a state dict <-> a state dict: ``{name: array}`` <-> ``{name: torch.Tensor}``
  (copies in the same dtype), for ``load_state_dict`` on the other side.

Anything else raises a ``TypeError`` naming the module, where it sits in the
tree and what is supported; so do subclasses of the mapped classes (their
``forward`` may compute something else), a torch container holding
``None`` and a ``Softmax(dim=None)``. A module used twice maps to one module used twice,
and a parameter shared by two modules (tied weights) to one parameter shared
by the two. Parameters keep their dtype (float64 stays
float64), and each module's ``training``/``eval`` mode carries over. PyTorch is imported
only when a conversion runs: it is not a dependency, and without it these
functions raise an ImportError that says how to install it.
"""

import numpy as np

from .engine import Tensor
from . import nn

__all__ = ["to_torch", "from_torch", "MODULES", "LOSSES"]  # and TorchMaxout, TorchMLP, made on first use (need torch)

# our class name -> (torch.nn class name, constructor arguments both keep as attributes of that name)
MODULES = {
    "Identity": ("Identity", ()), "Sigmoid": ("Sigmoid", ()), "Tanh": ("Tanh", ()), "ReLU": ("ReLU", ()),
    "LeakyReLU": ("LeakyReLU", ("negative_slope",)), "GELU": ("GELU", ("approximate",)), "SiLU": ("SiLU", ()),
    "Swish": ("SiLU", ()), "Mish": ("Mish", ()), "ELU": ("ELU", ("alpha",)), "SELU": ("SELU", ()),
    "CELU": ("CELU", ("alpha",)), "Softplus": ("Softplus", ("beta", "threshold")), "Softsign": ("Softsign", ()),
    "LogSigmoid": ("LogSigmoid", ()), "Tanhshrink": ("Tanhshrink", ()), "Softmin": ("Softmin", ("dim",)),
    "Softmax": ("Softmax", ("dim",)), "LogSoftmax": ("LogSoftmax", ("dim",)),
    "Hardtanh": ("Hardtanh", ("min_val", "max_val")),
    "ReLU6": ("ReLU6", ()), "Hardsigmoid": ("Hardsigmoid", ()), "Hardswish": ("Hardswish", ()),
    "PReLU": ("PReLU", ("num_parameters",)),
    "Dropout": ("Dropout", ("p",)), "Flatten": ("Flatten", ("start_dim", "end_dim")),
    "Unflatten": ("Unflatten", ("dim", "unflattened_size")),
}

# our loss module's name (torch.nn's is the same) -> its constructor arguments; the class weights among them
# ("weight", "pos_weight") are arrays here and tensors there
LOSSES = {
    "CrossEntropyLoss": ("weight", "ignore_index", "reduction", "label_smoothing"),
    "NLLLoss": ("weight", "ignore_index", "reduction"), "BCELoss": ("weight", "reduction"),
    "BCEWithLogitsLoss": ("weight", "reduction", "pos_weight"), "MSELoss": ("reduction",),
    "L1Loss": ("reduction",), "SmoothL1Loss": ("reduction", "beta"), "HuberLoss": ("reduction", "delta"),
    "KLDivLoss": ("reduction", "log_target"),
}
_CLASS_WEIGHTS = ("weight", "pos_weight")

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
    return ("Linear, Maxout, LayerNorm, Sequential, ModuleList, ModuleDict, MLP, " + ", ".join(sorted(_available()))
            + " and the loss modules")


# ------------------------------------------------------------------ to PyTorch
def to_torch(module):
    """A ``torch.nn.Module`` with ``module``'s structure, ``state_dict`` names and weights.

    A Tensor gives a ``torch.Tensor`` (a copy in the same dtype, with
    ``requires_grad``), a state dict ``{name: array}`` gives ``{name:
    torch.Tensor}`` (copies), which ``torch_module.load_state_dict`` takes.
    """
    torch = _torch()
    if isinstance(module, Tensor):
        return _torch_tensor(torch, module.data, module.requires_grad, "")
    if isinstance(module, dict):
        return {name: _torch_tensor(torch, _state_value(value, name, "to_torch", (Tensor, np.ndarray)), False, name)
                for name, value in module.items()}
    if not isinstance(module, nn.Module):
        raise TypeError(f"to_torch: expected a tinygrad_nn Module, Tensor or state dict, got {type(module).__name__}")
    return _to_torch(torch, module, "", {})


def _to_torch(torch, module, path, made_for):
    """The torch module for ``module`` (at ``path``); see ``_converted``."""
    return _converted(_torch_module, torch, module, path, made_for)


def _torch_module(torch, module, path, made_for):
    kind = type(module).__name__  # exact classes: a subclass may compute something else in its forward
    if type(module) is nn.MLP:
        layers = _to_torch(torch, module.layers, _join(path, "layers"), made_for)
        return _torch_classes()["TorchMLP"](layers, module.sizes)
    if type(module) in (nn.Sequential, nn.ModuleList, nn.ModuleDict):
        names = list(module._names)
        others = [name for name, _ in module._child_positions() if name not in names]
        if others:
            raise TypeError(f"to_torch: the {kind}{_where(path)} holds modules outside its children (at "
                            f"{others[:6]}, in a list or dict attribute); a torch.nn.{kind} holds only its "
                            f"children: add them to it or move them to another module")
        made = getattr(torch.nn, kind)()
        for name in names:  # the children keep their names (a ModuleList's too, numbered or not)
            theirs = _to_torch(torch, getattr(module, name), _join(path, name), made_for)
            try:
                made.add_module(name, theirs)
            except (KeyError, TypeError, ValueError) as error:
                raise TypeError(f"to_torch: the child {name!r} of the {kind}{_where(path)} cannot keep its name in "
                                f"PyTorch ({error}); rename it first") from None
        for name, parameter in module.named_parameters(recurse=False):  # a container's own (register_parameter)
            if "." in name:
                raise TypeError(f"to_torch: the {kind}{_where(path)} holds the parameter {name!r} in a list or dict "
                                f"attribute; torch.nn.{kind} takes its own parameters only by a plain name")
            theirs = torch.nn.Parameter(_torch_tensor(torch, parameter.data, False, _join(path, name)),
                                        requires_grad=parameter.requires_grad)
            try:
                made.register_parameter(name, _tied(made_for, parameter, theirs))
            except (KeyError, TypeError, ValueError) as error:
                raise TypeError(f"to_torch: the parameter {name!r} of the {kind}{_where(path)} cannot keep its name "
                                f"in PyTorch ({error}); rename it first") from None
        return made
    if type(module) is nn.Linear:
        made = torch.nn.Linear(module.in_features, module.out_features, bias=module.bias is not None,
                               dtype=_torch_dtype(torch, module.weight.dtype, path))
    elif type(module) is nn.Maxout:
        made = _torch_classes()["TorchMaxout"](module.in_features, module.out_features, module.pieces,
                                               dtype=_torch_dtype(torch, module.weight.dtype, path))
    elif type(module) is nn.LayerNorm:
        made = torch.nn.LayerNorm(module.normalized_shape, eps=module.eps, elementwise_affine=module.elementwise_affine,
                                  bias=module.bias is not None, dtype=None if module.weight is None else
                                  _torch_dtype(torch, module.weight.dtype, path))
    elif kind in LOSSES and type(module) is getattr(nn, kind):
        options = _arguments(module, LOSSES[kind])
        for name in _CLASS_WEIGHTS:
            if options.get(name) is not None:
                options[name] = _torch_tensor(torch, _class_weights(options[name]), False, _join(path, name))
        return getattr(torch.nn, kind)(**options)  # no parameters; the class weights are buffers there
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
    for name, parameter in module.named_parameters():  # a layer's own: weight, bias, PReLU's slopes
        theirs = _tied(made_for, parameter, getattr(made, name))
        theirs.requires_grad_(parameter.requires_grad)
        setattr(made, name, theirs)
    return made


# ------------------------------------------------------------------ from PyTorch
def from_torch(module):
    """A tinygrad_nn Module with ``module``'s structure, ``state_dict`` names and weights.

    A ``torch.Tensor`` gives a Tensor (a copy in the same dtype, integer and
    bool ones included, with ``requires_grad``), a state dict ``{name:
    torch.Tensor}`` gives ``{name: numpy array}`` (copies), which our
    ``load_state_dict`` takes.
    """
    torch = _torch()
    if isinstance(module, torch.Tensor):
        array = _numpy_array(torch, module, "")
        return Tensor(array, requires_grad=module.requires_grad, dtype=array.dtype)
    if isinstance(module, dict):
        return {name: _numpy_array(torch, _state_value(value, name, "from_torch", (torch.Tensor,)), name)
                for name, value in module.items()}
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, torch.Tensor or state dict, got "
                        f"{type(module).__name__}")
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
    if type(module) in (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict):
        children = list(module._modules.items())  # named_children() would list a shared module once
        empty = [name for name, child in children if child is None]
        if empty:
            raise TypeError(f"from_torch: the torch.nn.{kind}{_where(path)} holds None under {empty[:6]}; "
                            f"a tinygrad_nn container holds modules only")
        if module._buffers:
            raise TypeError(f"from_torch: the torch.nn.{kind}{_where(path)} holds the buffers "
                            f"{list(module._buffers)[:6]}; tinygrad_nn has no buffers, so they would be lost")
        made = getattr(nn, kind)()
        for name, child in children:  # the children keep their names (a ModuleList's too, numbered or not)
            ours = _from_torch(torch, child, _join(path, name), made_for)
            try:
                made.add_module(name, ours)
            except (TypeError, ValueError) as error:
                raise TypeError(f"from_torch: the child {name!r} of the torch.nn.{kind}{_where(path)} cannot keep "
                                f"its name in tinygrad_nn ({error}); rename it in PyTorch first") from None
        for name, parameter in module._parameters.items():  # a container's own (register_parameter)
            if parameter is None:
                continue
            array = _numpy_array(torch, parameter, _join(path, name))
            ours = Tensor(array, requires_grad=True, dtype=array.dtype)
            try:
                made.register_parameter(name, _tied(made_for, parameter, ours))
            except (TypeError, ValueError) as error:
                raise TypeError(f"from_torch: the parameter {name!r} of the torch.nn.{kind}{_where(path)} cannot "
                                f"keep its name in tinygrad_nn ({error}); rename it in PyTorch first") from None
            ours.requires_grad = parameter.requires_grad
        return made
    if type(module) is torch.nn.Linear:
        made = nn.Linear(module.in_features, module.out_features, bias=module.bias is not None,
                         dtype=_numpy_dtype(torch, module.weight.dtype, path))
    elif type(module) is classes["TorchMaxout"]:
        made = nn.Maxout(module.in_features, module.out_features, module.pieces,
                         dtype=_numpy_dtype(torch, module.weight.dtype, path))
    elif type(module) is torch.nn.LayerNorm:
        made = nn.LayerNorm(module.normalized_shape, eps=module.eps, elementwise_affine=module.elementwise_affine,
                            bias=module.bias is not None, dtype=None if module.weight is None else
                            _numpy_dtype(torch, module.weight.dtype, path))
    elif kind in LOSSES and type(module) is getattr(torch.nn, kind):
        options = _arguments(module, LOSSES[kind])
        for name in _CLASS_WEIGHTS:
            if options.get(name) is not None:
                options[name] = _numpy_array(torch, options[name], _join(path, name))
        return getattr(nn, kind)(**options)  # no parameters; torch's class weights are buffers, ours options
    else:
        available = _available()
        ours = next((name for name, (torch_name, _) in available.items()
                     if torch_name == kind and type(module) is getattr(torch.nn, torch_name, None)), None)
        if ours is None:
            raise TypeError(f"from_torch: no tinygrad_nn equivalent for torch.nn.{kind}{_where(path)}; "
                            f"supported: torch.nn.Linear, torch.nn.LayerNorm, torch.nn.Sequential, ModuleList, "
                            f"ModuleDict, TorchMLP, TorchMaxout, "
                            f"{', '.join(sorted({torch_name for torch_name, _ in available.values()}))} and the "
                            f"loss modules {', '.join(LOSSES)}")
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
    for name, parameter in module.named_parameters():  # a layer's own: weight, bias, PReLU's slopes
        ours = _tied(made_for, parameter, getattr(made, name))
        ours.requires_grad = parameter.requires_grad
        setattr(made, name, ours)
    return made


# ------------------------------------------------------------------ helpers
def _converted(make, torch, module, path, made_for):
    """``make(torch, module, path, made_for)`` once per module, in the same training/eval mode (each its own).

    ``made_for`` maps ``id(module)`` to what was made for it: a module used
    twice in the tree (shared weights) becomes one module used twice; it
    also maps ``("parameter", id(parameter))`` to the parameter made for it
    (see ``_tied``).
    """
    if id(module) not in made_for:
        made = make(torch, module, path, made_for)
        made.training = module.training  # not train(): a submodule may be in another mode than its parent
        made_for[id(module)] = made
    return made_for[id(module)]


def _tied(made_for, parameter, made):
    """The parameter to use for ``parameter``: the one made for it before (tied weights), else ``made``."""
    key = ("parameter", id(parameter))  # modules are keyed by their bare id
    return made_for.setdefault(key, made)


def _torch_tensor(torch, array, requires_grad, path):
    """A torch copy of ``array`` in its dtype (a dtype torch lacks is refused by name)."""
    _torch_dtype(torch, array.dtype, path)
    return torch.tensor(array, requires_grad=requires_grad)


def _numpy_array(torch, value, path):
    """A numpy copy of the torch tensor ``value`` in its dtype (a dtype numpy lacks is refused by name)."""
    value = value.detach().cpu()
    _numpy_dtype(torch, value.dtype, path)
    if value.dtype.is_complex:
        raise TypeError(f"from_torch: tinygrad_nn has no complex numbers{_where(path)} ({value.dtype})")
    return value.resolve_conj().resolve_neg().numpy().copy()


def _state_value(value, name, op, kinds):
    if not isinstance(value, kinds):
        raise TypeError(f"{op}: state dict entry {name!r} is a {type(value).__name__}, not a tensor; only a "
                        f"module's state dict converts ({{name: tensor}}): an optimizer's is laid out differently "
                        f"in each library")
    return value.data if isinstance(value, Tensor) else value


def _class_weights(weight):
    """A loss's class weights as an array: integers and lists become float64, floats keep their dtype."""
    array = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def _arguments(module, names):
    """The constructor arguments ``names`` read from ``module``'s attributes (those it has)."""
    return {name: getattr(module, name) for name in names if hasattr(module, name)}


def _torch_dtype(torch, dtype, path):
    found = getattr(torch, np.dtype(dtype).name, None)
    if not isinstance(found, torch.dtype):
        raise TypeError(f"to_torch: PyTorch has no {np.dtype(dtype).name}{_where(path)}; convert it to float32 "
                        f"or float64 first (.float() or .double())")
    return found


def _numpy_dtype(torch, dtype, path):
    try:
        return torch.empty(0, dtype=dtype).numpy().dtype
    except TypeError:  # bfloat16 and the like
        raise TypeError(f"from_torch: numpy has no {dtype}{_where(path)}; convert it first (.float() or "
                        f".double())") from None


def _join(path, name):
    return f"{path}.{name}" if path else name


def _where(path):
    return f" (at {path!r})" if path else ""
