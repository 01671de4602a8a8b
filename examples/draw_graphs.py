"""Draw what tinygrad_nn recorded: a computation graph, a module tree, a network, and gradient health.

We build the 3-layer net of the notes' capacity discussion (2 inputs, two
hidden layers of 8 ReLU units, 3 class scores) and its softmax loss on the
spiral data, then write five pictures:

1. ``graph.svg``: the computation graph of the loss before any backward:
   tensors (boxes) and ops (ellipses), framed by the module that made them;
2. ``graph_folded.svg``: the same graph with each layer folded into one box
   (``depth=2``);
3. ``module_tree.svg``: the module tree with each module's configuration and
   parameter count;
4. ``network.svg``: the notes' picture of a small net (3 inputs, two hidden
   layers of 4, one output) as circles and lines, with its size counted the
   notes' way (9 neurons, 41 parameters);
5. ``graph_gradients.svg``: after one training step, every parameter shows
   its gradient statistics and is coloured by its gradient norm, and each
   ReLU shows the fraction of its units that were dead on this batch;
6. ``graph_loop.svg``: a recurrent loop ``h = tanh(h @ W)`` unrolled 100
   times, too big to draw whole: the repeated steps fold into one box
   (``×98 MatMul → Tanh``), and the weight used at every step is drawn in
   full once, with a dashed copy beside each other use.

The loss is named ``loss`` (``loss.name = "loss"``), so its box says so.
Images go to the folder given as the first argument (default
``./draw_graphs_out``). No system Graphviz is needed: the ``graphviz-pure``
program installed with tinygrad_nn lays the graphs out.

Run: ``python examples/draw_graphs.py [OUTPUT_FOLDER]`` (``TINYGRAD_NN_QUICK=1``
for a smaller batch).
"""

import os
import pathlib
import sys
import warnings

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import data, nn, optim, viz
from tinygrad_nn import functional as F

QUICK = os.environ.get("TINYGRAD_NN_QUICK") == "1"
PER_CLASS = 4 if QUICK else 30


def write(graph, folder, name):
    """Render to SVG (or to DOT text when no Graphviz program can be found) and say where."""
    try:
        path = viz.render(graph, folder / f"{name}.svg")
    except viz.RendererNotFoundError as error:
        print(f"  ({error})")
        path = viz.render(graph, folder / f"{name}.dot")
    print(f"  wrote {path}")
    return path


def main():
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "draw_graphs_out")
    folder.mkdir(parents=True, exist_ok=True)
    tg.manual_seed(0)
    inputs, labels = data.spiral(n_per_class=PER_CLASS, n_classes=3)
    model = nn.MLP([2, 8, 8, 3])
    x = tg.Tensor(inputs, name="x")

    print(f"1. computation graph of the loss ({len(labels)} spiral points, before backward)")
    loss = F.cross_entropy(model(x), labels)
    loss.name = "loss"
    write(viz.draw_graph(loss, model=model, title="cross-entropy loss of MLP([2, 8, 8, 3])"),
          folder, "graph")

    print("2. the same graph, each layer folded into one box (depth=2)")
    write(viz.draw_graph(loss, model=model, depth=2), folder, "graph_folded")

    print(f"3. module tree ({model.num_parameters()} parameters)")
    write(viz.draw_module(model), folder, "module_tree")

    print("4. the notes' 3-layer network as circles and lines")
    write(viz.draw_network(nn.MLP([3, 4, 4, 1], activation=nn.Sigmoid)), folder, "network")

    print("5. one training step, then the gradients and the dead ReLU units")
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    with nn.watch_units(model) as watcher:
        loss = F.cross_entropy(model(x), labels)
    loss.name = "loss"
    optimizer.zero_grad()
    loss.backward()
    write(viz.draw_graph(loss, model=model, grads=True, units=watcher,
                         title=f"loss {loss.item():.3f} after backward"), folder, "graph_gradients")
    for name, parameter in model.named_parameters():
        norm = float((parameter.grad ** 2).sum() ** 0.5)
        print(f"  {name:16s} grad norm {norm:.3g}")
    for path, stats in watcher.stats().items():
        print(f"  {path:16s} dead units {stats.dead_fraction:.0%}")
    optimizer.step()

    print("6. a recurrent loop unrolled 100 times, folded, its shared weight drawn once in full")
    rng = np.random.default_rng(0)
    weight = tg.Tensor(rng.standard_normal((4, 4)) * 0.5, requires_grad=True, name="W")
    h = tg.Tensor(rng.standard_normal((1, 4)), name="h0")
    for _ in range(100):
        h = (h @ weight).tanh()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", viz.GraphTooLargeWarning)
        loop = viz.draw_graph(h, max_nodes=30)
    for warning in caught:
        print(f"  {warning.message}")
    write(loop, folder, "graph_loop")


if __name__ == "__main__":
    main()
