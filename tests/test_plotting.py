"""Decision-region pictures: what a student reads off them (axes, legend, accuracies) and the PNG written."""

import sys

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import plotting


class FixedRule:
    """A classifier of 2-D points: class 1 where x1 > 0 (two score columns)."""

    def __call__(self, x):
        return tg.Tensor(np.stack([np.zeros(len(x.data)), x.data[:, 0]], axis=1))


def points():
    X = np.array([[-1.0, 0.0], [-0.5, 1.0], [0.5, 0.0], [1.0, -1.0]])
    return X, np.array([0, 1, 1, 1])          # the rule gets 3 of 4 right


def test_each_panel_is_titled_with_its_accuracies_and_the_axes_are_x1_and_x2():
    X, y = points()
    held_X, held_y = np.array([[2.0, 0.0], [-2.0, 0.0]]), np.array([1, 1])     # half right
    figure = plotting.decision_regions_figure([("rule A", FixedRule()), ("rule B", FixedRule())], X, y,
                                              resolution=5, held_out=(held_X, held_y), title="two rules")
    left, right = figure.axes
    assert left.get_title() == "rule A\ntraining 75.0%, held-out 50.0%"
    assert right.get_title().startswith("rule B\n")
    assert (left.get_xlabel(), left.get_ylabel()) == ("x1", "x2")
    assert (right.get_xlabel(), right.get_ylabel()) == ("x1", "")    # one x2 label per row
    assert [text.get_text() for text in figure.texts] == ["two rules"]
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend == ["class 0", "class 1", "training point", "held-out point"]


def test_without_held_out_points_the_title_has_the_training_accuracy_and_the_legend_only_classes():
    X, y = points()
    figure = plotting.decision_regions_figure([("rule", FixedRule())], X, y, resolution=5,
                                              class_names=["left", "right"])
    assert figure.axes[0].get_title() == "rule\ntraining accuracy 75.0%"
    assert [text.get_text() for text in figure.legends[0].get_texts()] == ["left", "right"]


def test_a_grid_labels_the_outer_axes_and_hidden_held_out_points_leave_the_legend():
    X, y = points()
    panels = [(f"panel {i}", FixedRule()) for i in range(5)]
    figure = plotting.decision_regions_figure(panels, X, y, resolution=5, columns=3,
                                              held_out=points(), show_held_out=False)
    assert len(figure.axes) == 5
    assert [ax.get_xlabel() for ax in figure.axes] == ["", "", "x1", "x1", "x1"]   # panel 2 ends its column
    assert [ax.get_ylabel() for ax in figure.axes] == ["x2", "", "", "x2", ""]
    assert "held-out 75.0%" in figure.axes[0].get_title()
    assert [text.get_text() for text in figure.legends[0].get_texts()] == ["class 0", "class 1"]
    width, height = figure.get_size_inches()
    assert width == pytest.approx(3 * 4.2) and height > 2 * 4.2


def test_save_writes_a_png_and_bad_input_is_refused(tmp_path):
    X, y = points()
    path = plotting.save_decision_regions(tmp_path / "sub" / "regions.png", [("rule", FixedRule())], X, y,
                                          resolution=5)
    assert path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="X has 4 rows but y has 3 labels"):
        plotting.decision_regions_figure([("rule", FixedRule())], X, y[:3])
    with pytest.raises(ValueError, match="held_out has 2 points but 1 labels"):
        plotting.decision_regions_figure([("rule", FixedRule())], X, y, held_out=(X[:2], y[:1]))
    with pytest.raises(ValueError, match="1 class_names for 2 classes"):
        plotting.decision_regions_figure([("rule", FixedRule())], X, y, class_names=["only"])
    with pytest.raises(ValueError, match="panels is empty"):
        plotting.decision_regions_figure([], X, y)


def test_plotting_predicts_classes_for_one_and_many_score_columns():
    binary = tg.nn.Linear(2, 1, rng=0)
    X = np.array([[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]])
    scores = X @ binary.weight.data.T + binary.bias.data
    assert plotting.predict_classes(binary, X).tolist() == (scores.ravel() > 0).astype(int).tolist()
    three = tg.nn.Linear(2, 3, rng=0)
    assert plotting.predict_classes(three, X).tolist() == (X @ three.weight.data.T).argmax(axis=1).tolist()
    xx, yy, points = plotting.decision_grid(X, resolution=7)
    assert xx.shape == (7, 7) and points.shape == (49, 2)
    assert points[:, 0].min() < -3.0 and points[:, 1].max() > 2.0
    with pytest.raises(ValueError, match=r"decision_grid.*\(N, 2\).*\(3,\)"):
        plotting.decision_grid(np.zeros(3))


def test_plotting_without_matplotlib_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"matplotlib.*pip install -e '\.\[demo\]'"):
        plotting.save_decision_regions(tmp_path / "x.png", [("net", tg.nn.Linear(2, 2))], np.zeros((2, 2)), [0, 1])
    assert not (tmp_path / "x.png").exists()
