"""Decision-region pictures of 2-D classifiers, written as PNG files.

matplotlib is an optional dependency (the ``demo`` extra): it is imported
only when a picture is drawn, and a missing matplotlib raises an
``ImportError`` that says what to install. We never touch pyplot's global
state: each picture is its own ``matplotlib.figure.Figure`` on the Agg canvas,
so this works headless and inside tests.

>>> import numpy as np, tinygrad_nn as tg
>>> from tinygrad_nn import plotting
>>> X, y = tg.data.two_blobs(seed=0)
>>> net = tg.nn.Linear(2, 2, rng=0)
>>> plotting.predict_classes(net, X[:3]).shape
(3,)
"""

import pathlib

import numpy as np

from .engine import Tensor, no_grad

__all__ = ["require_matplotlib", "predict_classes", "decision_grid", "save_decision_regions",
           "INSTALL_HINT"]

INSTALL_HINT = "pip install -e '.[demo]'  (or: pip install matplotlib)"

# one colour per class (colour-blind friendly, from the Okabe-Ito palette)
CLASS_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def require_matplotlib():
    """Import matplotlib (Agg canvas only); raise ``ImportError`` naming the install command if missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(f"drawing decision regions needs matplotlib, which is not installed; "
                          f"install it with: {INSTALL_HINT}") from error
    return Figure, FigureCanvasAgg, ListedColormap


def predict_classes(model, X):
    """Class predictions of ``model`` for the rows of ``X``: argmax of its scores (no graph recorded).

    A model with one output column is read as a binary classifier: class 1
    where the score is positive.
    """
    with no_grad():
        scores = model(Tensor(np.asarray(X, dtype=np.float64))).data
    if scores.ndim == 1 or scores.shape[-1] == 1:
        return (scores.reshape(-1) > 0).astype(np.int64)
    return scores.argmax(axis=-1)


def decision_grid(X, resolution=200, margin=0.25):
    """A regular grid covering the points ``X`` (N, 2): returns ``(xx, yy, points)``, points ``(r*r, 2)``."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_grid: expected 2-D points of shape (N, 2), got shape {X.shape}")
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def save_decision_regions(path, panels, X, y, resolution=200, title=None):
    """Draw each classifier's decision regions over the data; write a PNG to ``path``; return the path.

    ``panels`` is a list of ``(title, model)`` pairs (one picture side by
    side for each); ``model`` is a Module or any callable taking a Tensor
    ``(M, 2)`` and returning scores (see ``predict_classes``). ``X`` is
    ``(N, 2)``, ``y`` the integer labels (N,).
    """
    Figure, FigureCanvasAgg, ListedColormap = require_matplotlib()
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"save_decision_regions: X has {len(X)} rows but y has {len(y)} labels")
    if not panels:
        raise ValueError("save_decision_regions: panels is empty; give at least one (title, model) pair")
    n_classes = int(max(y.max(initial=0), 0)) + 1
    colours = [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(max(n_classes, 2))]
    xx, yy, points = decision_grid(X, resolution)
    figure = Figure(figsize=(4.2 * len(panels), 4.2), dpi=100)
    FigureCanvasAgg(figure)
    for index, (panel_title, model) in enumerate(panels):
        ax = figure.add_subplot(1, len(panels), index + 1)
        regions = predict_classes(model, points).reshape(xx.shape)
        ax.contourf(xx, yy, regions, levels=np.arange(len(colours) + 1) - 0.5,
                    cmap=ListedColormap(colours), alpha=0.3)
        ax.scatter(X[:, 0], X[:, 1], c=[colours[k] for k in y], s=14, edgecolors="black", linewidths=0.4)
        accuracy = np.mean(predict_classes(model, X) == y)
        ax.set_title(f"{panel_title}\ntraining accuracy {accuracy:.1%}", fontsize=10)
        ax.set_xlim(xx.min(), xx.max())
        ax.set_ylim(yy.min(), yy.max())
        ax.set_aspect("equal")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
