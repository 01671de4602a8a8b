"""A newcomer's mistakes, as specifications: what each wrong call is told, and that the fix it names works.

A student coming from the CS231n notes and micrograd makes the same dozen
mistakes; every message must name the function, the shapes and what to
write instead. Most already do (tested where each feature lives); these are
the ones that did not, plus the examples and docs a newcomer reads first.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn

ROOT = pathlib.Path(__file__).parent.parent


# ------------------------------------------------ one output column for two classes
# The notes' binary softmax is one score per sample; put through cross_entropy,
# one column is one class, so every label 1 is out of range.
ONE_COLUMN = np.zeros((4, 1))
BINARY_LABELS = np.array([0, 1, 1, 0])


@pytest.mark.parametrize("loss, alternative", [
    (F.cross_entropy, "binary_cross_entropy_with_logits"),
    (F.nll_loss, "2 outputs"),
    (F.multiclass_hinge_loss, "hinge_loss"),
])
def test_one_score_column_with_binary_labels_says_how_to_classify_two_classes(loss, alternative):
    with pytest.raises(ValueError) as caught:
        loss(tg.Tensor(ONE_COLUMN), BINARY_LABELS)
    message = str(caught.value)
    assert "for 1 class " in message and "1 classes" not in message
    assert "(4, 1)" in message and "2 outputs" in message and alternative in message


def test_the_binary_alternatives_the_message_names_run_as_written():
    labels = BINARY_LABELS
    scores = tg.Tensor(ONE_COLUMN, requires_grad=True)
    # the code the cross_entropy message suggests
    logistic = F.binary_cross_entropy_with_logits(scores, labels.reshape(-1, 1))
    # the code the multiclass_hinge_loss message suggests
    hinge = F.hinge_loss(scores, 2 * labels.reshape(-1, 1) - 1)
    assert logistic.item() == pytest.approx(np.log(2.0))   # sigmoid(0) = 1/2 for every sample
    assert hinge.item() == pytest.approx(1.0)              # max(0, 1 - y * 0) = 1


def test_labels_out_of_range_with_several_columns_keep_the_plain_message():
    with pytest.raises(ValueError) as caught:
        F.cross_entropy(tg.Tensor(np.zeros((2, 3))), np.array([0, 3]))
    message = str(caught.value)
    assert "[0, 3) for 3 classes" in message and "got [3]" in message
    assert "binary_cross_entropy_with_logits" not in message


# ------------------------------------------------ a target of the wrong shape
@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.smooth_l1_loss])
def test_a_regression_target_of_the_wrong_shape_is_named_in_good_english(loss):
    with pytest.raises(tg.ShapeError) as caught:
        loss(tg.Tensor(np.zeros((4, 1))), tg.Tensor(np.zeros(4)))
    message = str(caught.value)
    assert "target has shape (4,)" in message and "reshape the target to (4, 1)" in message


def test_plural_targets_keep_have():
    with pytest.raises(tg.ShapeError, match=r"targets have shape \(4,\)"):
        F.binary_cross_entropy_with_logits(tg.Tensor(np.zeros((4, 1))), np.ones(4))


# ------------------------------------------------ evaluating a net with Dropout
def test_no_grad_does_not_switch_dropout_off_but_eval_does():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5))
    x = tg.Tensor(np.ones((1, 3)))
    with tg.no_grad():
        first, second = net(x).data, net(x).data
    assert not np.array_equal(first, second)           # two different masks: training mode
    net.eval()
    with tg.no_grad():
        assert np.array_equal(net(x).data, net(x).data)
        assert np.array_equal(net(x).data, net[0](x).data)   # eval: Dropout is the identity
    assert net.train() is net and net[1].training


# ------------------------------------------------ the examples leave nothing open
def test_the_checkpoint_example_closes_every_file_it_opens(tmp_path):
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, TINYGRAD_NN_QUICK="1", PYTHONPATH=path)
    result = subprocess.run([sys.executable, "-W", "always::ResourceWarning",
                             str(ROOT / "examples" / "checkpoint.py")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "ResourceWarning" not in result.stderr, result.stderr[-4000:]
