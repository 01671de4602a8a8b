"""Test helpers for the engine: hypothesis strategies and a central-difference oracle.

The oracle (``central_difference_gradients``) uses numpy only: it never
imports tinygrad_nn, so a gradient the engine gets wrong cannot also be
wrong in the reference. ``check_op`` is the one bridge: it runs an engine
expression and its numpy twin on the same arrays and compares values and
gradients.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 4


def shapes(min_dims=0, max_dims=3, min_side=0, max_side=MAX_SIDE):
    """Array shapes, including 0-d ``()`` and empty ones (a side of 0) by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(count, min_side=0, max_side=3, max_dims=3):
    """``count`` mutually broadcastable shapes (size-1 axes and missing axes on either side)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side)


def float_arrays(shape, low=-3.0, high=3.0, avoid=(), margin=1e-2, dtype=np.float64):
    """Arrays of ``shape`` with values in [low, high], at least ``margin`` away from each point in ``avoid``.

    ``avoid`` keeps samples off kinks (0 for relu and abs, the clip bounds) so
    central differences see a smooth function.
    """
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if avoid:
        elements = elements.filter(lambda v: all(abs(v - k) > margin for k in avoid))
    return hnp.arrays(dtype, shape, elements=elements)


def tie_free_arrays(shape):
    """Arrays whose values are distinct multiples of 1/8, so no two entries tie (max, min)."""
    grid = st.integers(-60, 60).map(lambda i: i / 8.0)
    return hnp.arrays(np.float64, shape, elements=grid, unique=True)


def upstream_gradients(shape):
    """A random upstream gradient for ``backward(grad=...)``: a backward that ignores it fails."""
    return float_arrays(shape, -2.0, 2.0)


@st.composite
def reduction_axes(draw, ndim):
    """``axis`` for sum/mean/max/min on an ``ndim`` array: None, an int or a tuple, possibly negative."""
    if ndim == 0:
        return draw(st.sampled_from([None, (), 0, -1]))
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    axes = [a - ndim if draw(st.booleans()) else a for a in axes]
    return axes[0] if kind == "int" else tuple(axes)


def reduced_axes(axis, ndim):
    """The normalised axes ``axis`` reduces over (all of them for None)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else axis
    return tuple(a % ndim for a in axes) if ndim else ()


# ---------------------------------------------------------------- the oracle
def central_difference_gradients(numpy_fn, arrays, upstream, eps=1e-6):
    """d sum(numpy_fn(*arrays) * upstream) / d arrays[i], one array per input, by central differences.

    Float64 throughout. The difference of the two perturbed outputs is taken
    elementwise before weighting and summing, so rounding stays small even
    when the outputs themselves are large.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    upstream = np.asarray(upstream, dtype=np.float64)
    gradients = []
    for array in arrays:
        gradient = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            plus = np.array(numpy_fn(*arrays), dtype=np.float64)  # a copy: the output may be a view
            array[index] = original - eps
            minus = np.array(numpy_fn(*arrays), dtype=np.float64)
            array[index] = original
            gradient[index] = np.sum((plus - minus) * upstream) / (2 * eps)
        gradients.append(gradient)
    return gradients


# ------------------------------------------------------ engine vs the oracle
def check_op(engine_fn, numpy_fn, arrays, data, rtol=1e-6, atol=1e-6):
    """Run ``engine_fn`` on leaf Tensors and ``numpy_fn`` on the same arrays; compare values and gradients.

    The upstream gradient is drawn from ``data`` (``hypothesis.strategies.data()``)
    once the output's shape is known. Asserts shape, dtype (float64), values
    against numpy and every input's gradient against central differences.
    """
    from tinygrad_nn import Tensor

    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    out = engine_fn(*leaves)
    expected = np.asarray(numpy_fn(*arrays))
    assert out.shape == expected.shape, f"shape {out.shape}, numpy gives {expected.shape}"
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)

    upstream = data.draw(upstream_gradients(out.shape), label="upstream gradient")
    out.backward(grad=upstream)
    numeric = central_difference_gradients(numpy_fn, arrays, upstream)
    for i, (leaf, reference) in enumerate(zip(leaves, numeric)):
        assert leaf.grad is not None, f"input {i} got no gradient"
        assert leaf.grad.shape == leaf.shape and leaf.grad.dtype == np.float64, f"input {i}"
        np.testing.assert_allclose(leaf.grad, reference, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")
    return out
