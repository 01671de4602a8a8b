"""Decision-region pictures of 2-D classifiers: axes x1 and x2, a legend of the classes, accuracies in the titles.

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

__all__ = ["require_matplotlib", "predict_classes", "accuracy", "decision_grid", "decision_regions_figure",
           "save_decision_regions", "INSTALL_HINT"]

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


def accuracy(model, X, y):
    """Fraction of the rows of ``X`` that ``model`` puts in their class ``y`` (see ``predict_classes``)."""
    return float(np.mean(predict_classes(model, X) == np.asarray(y)))


def _legend_handles(colours, class_names, with_held_out):
    """Legend entries: one patch per class, then the two point markers when held-out points are drawn."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    handles = [Patch(facecolor=colour, edgecolor="black", linewidth=0.4, label=name)
               for colour, name in zip(colours, class_names)]
    if with_held_out:
        marker = dict(linestyle="", markerfacecolor="#999999", markeredgecolor="black", markeredgewidth=0.4)
        handles += [Line2D([], [], marker="o", markersize=5, label="training point", **marker),
                    Line2D([], [], marker="^", markersize=5, label="held-out point", **marker)]
    return handles


def _draw_panel(ax, model, grid, X, y, held_out, show_held_out, colours, ListedColormap):
    """One classifier's regions and points on ``ax``; returns the accuracy line of its title."""
    xx, yy, points = grid
    regions = predict_classes(model, points).reshape(xx.shape)
    ax.contourf(xx, yy, regions, levels=np.arange(len(colours) + 1) - 0.5, cmap=ListedColormap(colours), alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=[colours[k] for k in y], s=14, edgecolors="black", linewidths=0.4)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_aspect("equal")
    ax.tick_params(labelsize=8)
    if held_out is None:
        return f"training accuracy {accuracy(model, X, y):.1%}"
    X_held, y_held = held_out
    if show_held_out:
        ax.scatter(X_held[:, 0], X_held[:, 1], c=[colours[k] for k in y_held], marker="^", s=16,
                   edgecolors="black", linewidths=0.4)
    return f"training {accuracy(model, X, y):.1%}, held-out {accuracy(model, X_held, y_held):.1%}"


def decision_regions_figure(panels, X, y, resolution=200, title=None, held_out=None, columns=None,
                            class_names=None, show_held_out=True):
    """A matplotlib ``Figure`` of each classifier's decision regions over the data (see ``save_decision_regions``).

    ``panels`` is a list of ``(title, model)`` pairs, one picture each, laid
    out in a grid of ``columns`` columns (default: all in one row);
    ``model`` is a Module or any callable taking a Tensor ``(M, 2)`` and
    returning scores (see ``predict_classes``). ``X`` is ``(N, 2)``, ``y`` the
    integer labels (N,). ``held_out``: an optional ``(X, y)`` pair of points
    not trained on, drawn as triangles (unless ``show_held_out=False``); each
    panel's title then gives the training and the held-out accuracy. The
    axes are ``x1`` and ``x2``; one legend names the classes (``class_names``,
    default ``class 0``, ``class 1``, ...).
    """
    Figure, FigureCanvasAgg, ListedColormap = require_matplotlib()
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"decision_regions_figure: X has {len(X)} rows but y has {len(y)} labels")
    if not panels:
        raise ValueError("decision_regions_figure: panels is empty; give at least one (title, model) pair")
    labels = [y]
    if held_out is not None:
        held_out = tuple(np.asarray(part) for part in held_out)
        if len(held_out[0]) != len(held_out[1]):
            raise ValueError(f"decision_regions_figure: held_out has {len(held_out[0])} points but "
                             f"{len(held_out[1])} labels")
        labels.append(held_out[1])
    n_classes = int(max(max(part.max(initial=0), 0) for part in labels)) + 1
    class_names = list(class_names) if class_names is not None else [f"class {k}" for k in range(n_classes)]
    if len(class_names) < n_classes:
        raise ValueError(f"decision_regions_figure: {len(class_names)} class_names for {n_classes} classes")
    colours = [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(max(n_classes, 2))]
    drawn_held_out = held_out is not None and show_held_out
    grid = decision_grid(np.concatenate([X, held_out[0]]) if drawn_held_out else X, resolution)

    columns = min(columns or len(panels), len(panels))
    rows = -(-len(panels) // columns)
    size = 4.2 if columns <= 3 else 3.3                  # inches per panel
    legend_inches = 0.45                                 # a strip under the panels for the legend
    height = size * rows + legend_inches + (0.4 if title else 0.0)
    figure = Figure(figsize=(size * columns, height), dpi=100)
    FigureCanvasAgg(figure)
    for index, (panel_title, model) in enumerate(panels):
        ax = figure.add_subplot(rows, columns, index + 1)
        scores = _draw_panel(ax, model, grid, X, y, held_out, show_held_out, colours, ListedColormap)
        ax.set_title(f"{panel_title}\n{scores}", fontsize=9 if columns > 3 else 10)
        if index + columns >= len(panels):               # the lowest panel of its column
            ax.set_xlabel("x1")
        if index % columns == 0:
            ax.set_ylabel("x2")
    handles = _legend_handles(colours[:n_classes], class_names, drawn_held_out)
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=9)
    if title:
        figure.suptitle(title)
    figure.tight_layout(rect=(0, legend_inches / height, 1, 1))
    return figure


def save_decision_regions(path, panels, X, y, **options):
    """Draw each classifier's decision regions over the data; write a PNG to ``path``; return the path.

    ``panels`` is a list of ``(title, model)`` pairs; ``options`` are those of
    ``decision_regions_figure`` (``resolution``, ``title``, ``held_out``,
    ``columns``, ``class_names``, ``show_held_out``).
    """
    figure = decision_regions_figure(panels, X, y, **options)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
