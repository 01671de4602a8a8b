"""``torch.nn.functional``'s path for ``tinygrad_nn.functional``: ``import tinygrad_nn.nn.functional as F``.

The same functions as ``tinygrad_nn.functional`` (see there), so PyTorch
code that imports ``torch.nn.functional`` runs with ``torch`` renamed.
"""

from ..functional import *  # noqa: F401,F403
from ..functional import __all__  # noqa: F401
