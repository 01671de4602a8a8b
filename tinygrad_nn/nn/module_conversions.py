"""PyTorch's module-wide conversions: ``net.double()``, ``net.float()``, ``net.to(np.float32)``,
``net.requires_grad_(False)``.

Each changes the module's parameters in place and returns the module, as
PyTorch's do: the parameter Tensors stay the same objects (an optimizer made
before still holds them), their arrays are replaced by converted copies
(which bumps their ``version``), and a gradient already there is converted
with them.

>>> import tinygrad_nn as tg
>>> net = tg.nn.MLP([2, 3, 1]).float()
>>> net.layers[0].weight.dtype, net(tg.ones(4, 2, dtype=tg.float32)).dtype
(dtype('float32'), dtype('float32'))
"""

import numpy as np

from ..engine import Tensor, no_grad
from ..engine.methods.arguments import device_argument, is_device

__all__ = ["ConversionMethods"]



class ConversionMethods:
    """``to``, ``float``, ``double``, ``half``, ``cpu`` and ``requires_grad_`` of ``Module``."""

    def to(self, *args, dtype=None, device=None):
        """Convert every parameter to a floating ``dtype``: ``to(np.float32)``, ``to("cpu", tg.float64)``; returns self.

        The only device is ``"cpu"`` (another raises ``ValueError``); a tensor
        given instead of a dtype lends its dtype, as in PyTorch.
        """
        op = f"{type(self).__name__}.to"
        for arg in args:
            if is_device(arg):
                device = arg
            elif dtype is None:
                dtype = arg.dtype if isinstance(arg, Tensor) else arg
            else:
                raise TypeError(f"{op}: unexpected argument {arg!r:.60} (give a dtype, a tensor or 'cpu')")
        device_argument(device, op)
        if dtype is not None:
            self._convert_parameters(_floating_dtype(dtype, op))
        return self

    def float(self):
        """Every parameter as float32 (PyTorch's ``module.float()``); returns self."""
        return self.to(np.float32)

    def double(self):
        """Every parameter as float64 (PyTorch's ``module.double()``); returns self."""
        return self.to(np.float64)

    def half(self):
        """Every parameter as float16 (PyTorch's ``module.half()``); returns self."""
        return self.to(np.float16)

    def cpu(self):
        """This module itself: its parameters already live in numpy, on the CPU; returns self."""
        return self

    def requires_grad_(self, requires_grad=True):
        """Freeze (``False``) or unfreeze every parameter, as PyTorch's method; returns self.

        Frozen parameters stay parameters (listed, saved); optimizers skip
        them, since they get no gradient.
        """
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}.requires_grad_: requires_grad must be True or False, got "
                            f"{requires_grad!r:.60} ({type(requires_grad).__name__})")
        for parameter in self.parameters():
            parameter.requires_grad = bool(requires_grad)
        return self

    def _convert_parameters(self, dtype):
        with no_grad():
            for parameter in self.parameters():
                if parameter.dtype == dtype:
                    continue
                grad = parameter.grad
                parameter.grad = None
                parameter.data = parameter.data.astype(dtype)
                if grad is not None:
                    parameter.grad = grad.astype(dtype)


def _floating_dtype(dtype, op):
    try:
        found = np.dtype(dtype)
    except (TypeError, ValueError):
        found = None
    if found is None or found.kind != "f":
        raise TypeError(f"{op}: parameters need a floating dtype (tg.float16, tg.float32, tg.float64), got "
                        f"{dtype!r:.60}")
    return found
