"""``t[index] = value`` writes in place with numpy's indexing, counts as a change (version), and is refused
where the graph could not see it, as ``copy_`` is."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_nn as tg

INDICES = [0, -1, slice(1, 3), (slice(None), 0), (1, slice(None, None, 2)), [0, 2], np.array([True, False, True, False]),
           (np.array([0, 3]), np.array([1, 2])), Ellipsis, (Ellipsis, 1)]


@settings(max_examples=40, deadline=None)
@given(index=st.sampled_from(range(len(INDICES))), value=st.floats(-10, 10), through_tensor=st.booleans())
def test_setitem_writes_what_numpy_writes_and_bumps_the_version(index, value, through_tensor):
    key = INDICES[index]
    expected = np.arange(12.0).reshape(4, 3)
    expected[key] = value
    t = tg.Tensor(np.arange(12.0).reshape(4, 3))
    t[tg.Tensor(key, dtype=key.dtype) if through_tensor and isinstance(key, np.ndarray) else key] = tg.Tensor(value) if through_tensor \
        else value
    np.testing.assert_array_equal(t.data, expected)
    assert t.version == 1


def test_a_boolean_tensor_mask_sets_the_selected_elements():
    t = tg.Tensor([1.0, -2.0, 3.0, -4.0])
    t[t < 0] = 0
    assert t.data.tolist() == [1.0, 0.0, 3.0, 0.0]


def test_setitem_on_a_saved_array_makes_backward_refuse():
    w = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = tg.Tensor([4.0, 5.0, 6.0])
    loss = (w * c).sum()
    c[0] = 100.0
    with pytest.raises(tg.VersionError, match="Mul saved input 1"):
        loss.backward()


def test_setitem_is_refused_where_the_graph_would_not_see_it():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^t\[index\] = value: this leaf tensor requires grad"):
        w[0] = 3.0
    with pytest.raises(RuntimeError, match="made by a recorded op.*tg.where\\(mask, value, t\\)"):
        (w * 2)[0] = 1.0
    with pytest.raises(RuntimeError, match="the source requires grad"):
        tg.Tensor([0.0, 0.0])[0] = w[0]
    with tg.no_grad():
        w[0] = 3.0
    assert w.data.tolist() == [3.0, 2.0] and w.version == 1


@pytest.mark.parametrize("index, value, error, says", [
    (5, 1.0, IndexError, "index 5 is out of bounds"),
    (slice(0, 2), [1.0, 2.0, 3.0], tg.ShapeError, "could not broadcast"),
    (1.5, 0.0, IndexError, "only integers, slices"),
    (0, "a", TypeError, "strings are not numbers"),
])
def test_bad_setitem_names_the_op_and_the_shapes(index, value, error, says):
    t = tg.Tensor([1.0, 2.0, 3.0])
    with pytest.raises(error, match=says) as caught:
        t[index] = value
    assert str(caught.value).startswith("t[index] = value")
    assert t.data.tolist() == [1.0, 2.0, 3.0] and t.version == 0
