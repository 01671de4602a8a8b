"""A test oracle for second and third derivatives: each order, computed by differentiating recorded backwards
(``create_graph=True``), against central differences of the order below it.

With ``u`` a random upstream gradient of fn's output and ``w1``, ``w2`` random directions (one array per
differentiated input), the derivatives compared are

    order 1:  g1 = d/dx sum(u * fn(x))                      (a plain backward: the trusted base)
    order 2:  g2 = d/dx sum_i(w1_i * g1_i(x))               (one recorded backward, then a plain one)
    order 3:  g3 = d/dx sum_i(w2_i * g2_i(x))               (two recorded backwards, then a plain one)

and ``g_k`` must equal the central difference of ``sum_i(w_i * g_(k-1)_i)`` in each input, element by
element. The first-order backward is checked by gradcheck elsewhere, and order 2 here before order 3
relies on it. ``wrt`` picks the inputs that require a gradient (the others are constant Tensors), so
every combination of which inputs need a gradient can be checked. Float64 throughout.
"""

import numpy as np

from tinygrad_nn import Tensor, autograd, no_grad

__all__ = ["derivatives", "numerical_derivatives", "assert_second_derivative", "assert_third_derivative",
           "assert_derivative"]


def derivatives(fn, arrays, wrt, u, directions):
    """Analytic: ``g_(k+1)`` for ``k = len(directions)``, one array per input in ``wrt`` (zeros where unused)."""
    tensors = [Tensor(a.copy(), requires_grad=i in wrt) for i, a in enumerate(arrays)]
    xs = [tensors[i] for i in wrt]
    out = fn(*tensors)
    grads = autograd.grad(out, xs, Tensor(u), create_graph=bool(directions), allow_unused=True)
    for k, w in enumerate(directions):
        terms = [(g * wi).sum() for g, wi in zip(grads, w) if g is not None]
        dot = sum(terms, Tensor(0.0))
        if dot.grad_fn is None and not dot.requires_grad:  # the gradient does not depend on x: its derivative is 0
            return [np.zeros_like(arrays[i]) for i in wrt]
        grads = autograd.grad(dot, xs, create_graph=k < len(directions) - 1, allow_unused=True)
    return [np.zeros_like(arrays[i]) if g is None else np.array(g.data) for g, i in zip(grads, wrt)]


def numerical_derivatives(fn, arrays, wrt, u, directions, eps=1e-5):
    """Central differences of ``sum_i(w_i * g_k_i)``, ``w`` the last direction, ``g_k`` from the order below."""
    *lower, last = directions

    def dot(values):
        return sum(float((wi * g).sum()) for wi, g in zip(last, derivatives(fn, values, wrt, u, lower)))

    result = []
    for index in wrt:
        numerical = np.zeros_like(arrays[index])
        for position in np.ndindex(arrays[index].shape):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[index][position] += eps
            minus[index][position] -= eps
            numerical[position] = (dot(plus) - dot(minus)) / (2 * eps)
        result.append(numerical)
    return result


def assert_derivative(fn, arrays, order, seed=0, rtol=1e-4, atol=1e-6, eps=1e-5, wrt=None):
    """Raise AssertionError naming the order, the input and the element where a recorded backward is wrong."""
    rng = np.random.default_rng(seed)
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    wrt = list(range(len(arrays))) if wrt is None else list(wrt)
    with no_grad():
        out_shape = fn(*[Tensor(a) for a in arrays]).shape
    u = rng.standard_normal(out_shape)
    directions = [[rng.standard_normal(arrays[i].shape) for i in wrt] for _ in range(order - 1)]
    analytic = derivatives(fn, arrays, wrt, u, directions)
    numerical = numerical_derivatives(fn, arrays, wrt, u, directions, eps)
    for index, a, n in zip(wrt, analytic, numerical):
        np.testing.assert_allclose(a, n, rtol=rtol, atol=atol,
                                   err_msg=f"derivative of order {order} with respect to input {index}")


def assert_second_derivative(fn, arrays, seed=0, rtol=1e-4, atol=1e-6, eps=1e-5, wrt=None):
    """``assert_derivative`` of order 2: the recorded backward differentiated once."""
    assert_derivative(fn, arrays, 2, seed, rtol, atol, eps, wrt)


def assert_third_derivative(fn, arrays, seed=0, rtol=1e-4, atol=1e-6, eps=1e-5, wrt=None):
    """``assert_derivative`` of order 3: the recorded backward of the recorded backward differentiated."""
    assert_derivative(fn, arrays, 3, seed, rtol, atol, eps, wrt)
