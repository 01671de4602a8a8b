"""``torch.autograd.functional``'s names, so that ``from tinygrad_nn.autograd.functional import hvp`` works.

They are the functions of ``tinygrad_nn.autograd`` itself (see there).
"""

from . import hessian, hvp, jacobian, jvp, vhp, vjp

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]
