"""Module's rich display in Jupyter: the repr tree as nested <details>, escaped, with parameter counts."""

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import nn

from html_checks import parse_html


class Gated(nn.Module):
    """A module with children and a parameter of its own, and a config with HTML in it."""

    def __init__(self):
        self.inner = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        self.gate = tg.Tensor(np.zeros(1), requires_grad=True)

    def forward(self, x):
        return self.gate * self.inner(x)

    def extra_repr(self):
        return "mode=<a & b>"


def test_each_module_with_children_is_a_details_element_and_each_leaf_a_line():
    net = nn.MLP([3, 4, 4, 1])
    tags, text = parse_html(net._repr_html_())
    assert tags.count("details") == 2 and tags.count("summary") == 2          # MLP and its Sequential
    assert tags.count("div") == 1 + 5                                          # the frame and 5 leaves
    assert "MLP(sizes=[3, 4, 4, 1]) 41 parameters" in text
    assert "(0): Linear(in_features=3, out_features=4, bias=True) 16 parameters: weight (4, 3), bias (4,)" in text
    assert "(1): ReLU()" in text and "(4): Linear" in text


def test_the_html_tree_escapes_text_and_lists_a_containers_own_parameters():
    tags, text = parse_html(Gated()._repr_html_())
    assert "a" not in tags                                    # the "<a" of extra_repr stayed text
    assert "Gated(mode=<a & b>) 10 parameters, own: gate (1,)" in text
    assert "(inner): Sequential 9 parameters" in text


def test_the_plain_repr_is_unchanged_by_the_html_display():
    assert repr(nn.Linear(3, 2)) == "Linear(in_features=3, out_features=2, bias=True)"
    assert repr(Gated()).splitlines()[:2] == ["Gated(", "  mode=<a & b>"]
