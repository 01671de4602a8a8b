"""The methods of ``Tensor`` that compute something, by area; ``tensor_ops.TensorOps`` combines them.

Each method is one line: the op that records it (``engine/ops``).
"""

from .elementwise import ElementwiseMethods
from .in_place import InPlaceMethods
from .reductions import ReductionMethods
from .shape import ShapeMethods
from .torch_names import TorchNameMethods

__all__ = ["ElementwiseMethods", "InPlaceMethods", "ReductionMethods", "ShapeMethods", "TorchNameMethods"]
