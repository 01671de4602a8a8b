"""watch_units: dead ReLUs, saturated sigmoid/tanh units and Maxout piece wins, per module path."""

import re

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn

from html_checks import parse_html


def batches(count=3, rows=50, width=2, seed=0):
    rng = np.random.default_rng(seed)
    return [tg.Tensor(rng.normal(size=(rows, width))) for _ in range(count)]


def test_a_deliberately_killed_relu_layer_reports_its_dead_units():
    net = nn.MLP([2, 10, 10, 1], rng=0)
    net.layers[0].bias.data[:6] = -100.0  # units 0..5 can never fire on unit-scale inputs
    with nn.watch_units(net) as watcher:
        for x in batches():
            net(x)
    stats = watcher.stats()
    assert set(stats) == {"layers.1", "layers.3"}
    first = stats["layers.1"]
    assert first.kind == "ReLU" and first.units == 10 and first.inputs_seen == 150
    assert first.dead_units[:6] == (0, 1, 2, 3, 4, 5) and first.dead_fraction >= 0.6
    assert first.saturated_fraction is None and first.piece_wins is None
    assert first.inactive_output_fraction >= 0.6
    report = watcher.report()
    assert "layers.1" in report and f"{len(first.dead_units)}/10" in report


def test_a_healthy_net_has_few_dead_units_and_a_unit_alive_once_is_not_dead():
    net = nn.Sequential(nn.Linear(1, 2, rng=0), nn.ReLU())
    net[0].weight.data[...] = [[1.0], [-1.0]]
    watcher = nn.watch_units(net)
    net(tg.Tensor([[1.0]]))
    assert watcher.stats()["1"].dead_units == (1,)
    net(tg.Tensor([[-1.0]]))  # unit 1 fires now: over the window nobody is dead
    assert watcher.stats()["1"].dead_fraction == 0.0
    watcher.reset()
    assert watcher.stats() == {}
    net(tg.Tensor([[-1.0]]))
    assert watcher.stats()["1"].dead_units == (0,)


def test_large_weights_saturate_sigmoid_and_tanh_units():
    net = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Sigmoid(), nn.Linear(8, 8, rng=0), nn.Tanh())
    net[0].weight.data *= 1000.0
    net[2].weight.data *= 1000.0
    with nn.watch_units(net, saturation_margin=0.01) as watcher:
        for x in batches():
            net(x)
    stats = watcher.stats()
    assert stats["1"].kind == "Sigmoid" and stats["1"].saturated_fraction == 1.0
    assert stats["3"].kind == "Tanh" and stats["3"].saturated_fraction == 1.0
    assert stats["1"].dead_fraction is None
    calm = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Sigmoid())
    calm[0].weight.data *= 0.01
    with nn.watch_units(calm) as watcher:
        calm(batches(1)[0])
    assert watcher.stats()["1"].saturated_fraction == 0.0


def test_a_unit_is_saturated_when_saturated_for_the_chosen_share_of_inputs():
    net = nn.Sequential(nn.Linear(1, 1, rng=0), nn.Sigmoid())
    net[0].weight.data[...] = 1.0
    x = tg.Tensor([[10.0]] * 6 + [[0.0]] * 4)  # saturated for 60% of the inputs
    for share, expected in [(0.95, 0.0), (0.6, 1.0), (1.0, 0.0)]:
        with nn.watch_units(net, saturated_share=share) as watcher:
            net(x)
        assert watcher.stats()["1"].saturated_fraction == expected, share
        assert watcher.stats()["1"].inactive_output_fraction == pytest.approx(0.6)


def test_leaky_relu_units_below_zero_everywhere_are_all_negative_not_dead():
    net = nn.Sequential(nn.Linear(2, 4, rng=0), nn.LeakyReLU())
    net[0].bias.data[:] = [-100.0, -100.0, 100.0, 100.0]
    with nn.watch_units(net) as watcher:
        loss = net(batches(1)[0]).sum()
    loss.backward()
    stats = watcher.stats()["1"]
    assert stats.all_negative_units == (0, 1) and stats.all_negative_fraction == 0.5
    assert stats.dead_units is None and stats.dead_fraction is None
    assert np.all(net[0].bias.grad[:2] != 0)            # why they are not dead: gradient still flows
    report = watcher.report()
    assert "all negative" in report and "2/4 (50%)" in report
    assert "dead" not in report.split("\n")[1]          # no "dead" column when nothing can die


def test_a_leaky_relu_with_slope_zero_is_a_relu_and_its_units_die():
    net = nn.Sequential(nn.Linear(2, 2, rng=0), nn.LeakyReLU(0.0))
    net[0].bias.data[:] = [-100.0, 100.0]
    with nn.watch_units(net) as watcher:
        loss = net(batches(1)[0]).sum()
    loss.backward()
    assert watcher.stats()["1"].dead_units == (0,) and watcher.stats()["1"].all_negative_units is None
    assert np.all(net[0].bias.grad[:1] == 0)


def test_the_report_has_one_legend_line_per_shown_measure_once_for_all_layers():
    net = nn.Sequential(nn.Linear(2, 4, rng=0), nn.ReLU(), nn.Linear(4, 4, rng=0), nn.ReLU(),
                        nn.Linear(4, 4, rng=0), nn.Sigmoid())
    with nn.watch_units(net) as watcher:
        net(batches(1)[0])
    lines = watcher.report().splitlines()
    header = [cell.strip() for cell in lines[1].split("  ") if cell.strip()]
    assert header == ["module", "type", "units", "dead", "saturated", "inactive outputs"]
    legend = lines[3 + 3:]
    assert [line.split(":")[0] for line in legend] == ["dead", "saturated", "inactive outputs"]
    assert legend[2] == "inactive outputs: share of all outputs whose input was <= 0 or that were saturated"


def test_maxout_piece_wins_count_each_piece_and_split_ties():
    layer = nn.Maxout(1, 2, pieces=2, rng=0)
    layer.weight.data[...] = [[[1.0], [-1.0]],   # unit 0: piece 0 wins for x > 0, piece 1 for x < 0
                              [[0.0], [0.0]]]    # unit 1: both pieces always tie
    layer.bias.data[...] = 0.0
    model = nn.Sequential(layer)
    with nn.watch_units(model) as watcher:
        model(tg.Tensor([[1.0], [2.0], [3.0], [-1.0]]))
    stats = watcher.stats()["0"]
    assert stats.kind == "Maxout" and stats.dead_fraction is None
    np.testing.assert_allclose(stats.unit_piece_wins, [[0.75, 0.25], [0.5, 0.5]])
    np.testing.assert_allclose(stats.piece_wins, [0.625, 0.375])
    assert "0.62 / 0.38" in watcher.report()  # 0.625 rounds half to even
    assert stats.where == "0 (Maxout)"


def test_the_html_report_has_a_bar_for_each_fraction_and_escapes_text():
    net = nn.MLP([2, 10, 10, 1], rng=0)
    net.layers[0].bias.data[:6] = -100.0
    with nn.watch_units(net) as watcher:
        net(batches(1)[0])
    page = watcher._repr_html_()
    tags, text = parse_html(page)
    assert tags.count("tr") == 1 + 2 and tags.count("svg") == 2 * 2   # dead and inactive, per layer
    first = watcher.stats()["layers.1"]
    assert f"{len(first.dead_units)}/10" in text and "unit report over the last 50 inputs" in text
    assert text.count("dead: input <= 0") == 1
    widths = [float(w) for w in re.findall(r'<rect width="([\d.]+)" height="9" fill="#D55E00"', page)]
    assert widths[0] == pytest.approx(60 * first.dead_fraction, abs=0.1)
    empty = nn.watch_units(nn.MLP([2, 3, 1]))
    assert "no activation module has run yet" in parse_html(empty._repr_html_())[1]


def test_remove_stops_watching_and_the_with_block_removes_hooks():
    net = nn.MLP([2, 3, 1], rng=0)
    with nn.watch_units(net) as watcher:
        net(batches(1)[0])
    net(batches(1)[0])
    assert watcher.stats()["layers.1"].inputs_seen == 50
    assert not net.layers[1].__dict__.get("_forward_hooks")


def test_report_before_any_forward_and_bad_margin():
    watcher = nn.watch_units(nn.MLP([2, 3, 1]))
    assert "no activation module has run yet" in watcher.report()
    with pytest.raises(ValueError, match="saturation_margin"):
        nn.watch_units(nn.MLP([2, 3, 1]), saturation_margin=0.7)


def test_high_learning_rate_kills_relus_and_the_watcher_sees_it():
    x = batches(1, rows=200, seed=3)[0]
    target = tg.Tensor(np.sin(x.data[:, :1]))
    results = {}
    for lr in (0.01, 5.0):
        net = nn.MLP([2, 30, 1], rng=1)
        for _ in range(20):
            net.zero_grad()
            loss = ((net(x) - target) ** 2).mean()
            loss.backward()
            for p in net.parameters():
                p.data -= lr * np.clip(p.grad, -1e3, 1e3)
        with nn.watch_units(net) as watcher, tg.no_grad():
            net(x)
        results[lr] = watcher.stats()["layers.1"].dead_fraction
    assert results[5.0] > results[0.01] + 0.2, results
