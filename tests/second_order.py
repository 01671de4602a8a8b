"""A test oracle for second derivatives: the gradient of (upstream . first derivative), against central
differences of the first derivative, which itself comes from the engine's first-order backward.

``assert_second_derivative(fn, arrays)`` checks, for random ``u`` (upstream of fn's output) and ``w``
(a direction for the gradient), that

    d/dx_i  sum(w_i * grad_x_i(sum(u * fn(x))))

computed by differentiating the recorded backward (``create_graph=True``) equals the central difference
of ``sum(w_i * grad_x_i)`` in each input, element by element. Only the first-order backward is trusted
here, and it is itself checked by gradcheck elsewhere. Float64 throughout.
"""

import numpy as np

from tinygrad_nn import Tensor, autograd, no_grad


def _first_derivatives(fn, arrays, u):
    """The first derivatives of sum(u * fn(x)) at ``arrays`` (plain backward, arrays out)."""
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*xs)
    grads = autograd.grad(out, xs, Tensor(u), allow_unused=True)
    return [np.zeros_like(a) if g is None else g.data for g, a in zip(grads, arrays)]


def second_derivatives(fn, arrays, u, w):
    """Analytic: d/dx of sum_i(w_i * g_i(x)) where g = grad of sum(u * fn(x)), via create_graph."""
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*xs)
    grads = autograd.grad(out, xs, Tensor(u), create_graph=True, allow_unused=True)
    dot = sum(((g * wi).sum() for g, wi in zip(grads, w) if g is not None), Tensor(0.0))
    if dot.grad_fn is None:  # the gradient does not depend on x at all: its derivative is 0
        return [np.zeros_like(a) for a in arrays]
    seconds = autograd.grad(dot, xs, allow_unused=True)
    return [np.zeros_like(a) if s is None else s.data for s, a in zip(seconds, arrays)]


def numerical_second_derivatives(fn, arrays, u, w, eps=1e-5):
    """Central differences of sum_i(w_i * g_i(x)), element by element."""
    def dot(values):
        return sum(float((wi * g).sum()) for wi, g in zip(w, _first_derivatives(fn, values, u)))
    result = []
    for index, array in enumerate(arrays):
        numerical = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[index][position] += eps
            minus[index][position] -= eps
            numerical[position] = (dot(plus) - dot(minus)) / (2 * eps)
        result.append(numerical)
    return result


def assert_second_derivative(fn, arrays, seed=0, rtol=1e-4, atol=1e-6, eps=1e-5):
    """Raise AssertionError naming the input and element where the recorded backward's derivative is wrong."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    with no_grad():
        out_shape = fn(*[Tensor(a) for a in arrays]).shape
    u = rng.standard_normal(out_shape)
    w = [rng.standard_normal(a.shape) for a in arrays]
    analytic = second_derivatives(fn, arrays, u, w)
    numerical = numerical_second_derivatives(fn, arrays, u, w, eps)
    for index, (a, n) in enumerate(zip(analytic, numerical)):
        np.testing.assert_allclose(a, n, rtol=rtol, atol=atol,
                                   err_msg=f"second derivative with respect to input {index}")
