"""Drawing: computation graphs, module trees and small networks, rendered without a system Graphviz.

* ``draw_graph(tensor, ...)``: the recorded DAG, grouped by module, with
  optional value and gradient statistics and gradient-health colours; big
  graphs are folded and shared tensors drawn beside each use;
* ``draw_module(model)``: the module tree with configurations and sizes;
* ``draw_network(model)``: the classic circles-and-lines picture of a small
  fully connected net;
* ``render(graph, path)``: ``.dot`` always, ``.svg`` / ``.png`` through the
  system ``dot`` or the ``graphviz-pure`` program installed from PyPI, with
  a time and a memory limit.

Each ``draw_*`` returns a ``Drawing`` (a ``graphviz.Digraph``), which Jupyter
shows inline.
"""

from .computation_graph import draw_graph, GradientsNotComputedWarning, GraphTooLargeWarning
from .drawing import Drawing
from .module_tree import draw_module
from .network import draw_network, NetworkTooLargeError
from .render import render, find_renderer, RendererNotFoundError, RenderLimitError

__all__ = ["draw_graph", "draw_module", "draw_network", "render", "find_renderer", "Drawing",
           "GradientsNotComputedWarning", "GraphTooLargeWarning", "NetworkTooLargeError",
           "RendererNotFoundError", "RenderLimitError"]
