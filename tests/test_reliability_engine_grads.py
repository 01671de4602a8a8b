"""Gradients accumulate correctly: in place into ``.grad`` (as in PyTorch), under threads too; ``.grad``
assignments and ``backward(grad=...)`` are checked at once; a 0-d leaf's gradient is a writable 0-d array."""

import sys
import threading

import numpy as np
import pytest

import tinygrad_nn as tg


# ------------------------------------------------------------------ threads
@pytest.fixture
def frequent_thread_switches():
    """Switch threads as often as the interpreter allows, so that a race shows up in a few passes."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def _eight_threads_of_ten_backwards(shared, coefficients):
    start = threading.Barrier(8)
    errors = []

    def run():
        try:
            start.wait()
            for _ in range(10):
                (shared * coefficients).sum().backward()
        except BaseException as error:  # a failure in a thread must fail the test, not vanish
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and not any(thread.is_alive() for thread in threads)


def test_eight_threads_of_ten_backwards_into_one_leaf_give_exactly_80_times_the_gradient(frequent_thread_switches):
    # 100,000 elements: numpy releases the GIL while it adds them, which is where an unlocked
    # read-modify-write of .grad loses updates (the old engine gave 39 to 70 times here, every time)
    coefficients = np.linspace(0.5, 2.0, 100_000)
    for _ in range(3):
        shared = tg.Tensor(np.linspace(-1.0, 1.0, 100_000), requires_grad=True)
        (shared * coefficients).sum().backward()
        single = shared.grad.copy()
        shared.grad = None
        _eight_threads_of_ten_backwards(shared, coefficients)
        np.testing.assert_allclose(shared.grad, 80 * single, rtol=1e-12)  # a lost update is off by 1/80 at least


# ------------------------------------------------------------------ accumulation in place
def test_accumulation_is_in_place_so_a_held_grad_is_the_accumulated_one():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    held = x.grad
    (x * x).sum().backward()
    assert held is x.grad
    np.testing.assert_array_equal(held, [4.0, 8.0, 12.0])


def test_a_grad_assigned_by_the_user_is_added_to_in_place():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    assigned = np.array([10.0, 20.0])
    x.grad = assigned
    (x * 3.0).sum().backward()
    assert x.grad is assigned
    np.testing.assert_array_equal(assigned, [13.0, 23.0])


def test_a_read_only_assigned_grad_is_copied_before_it_is_added_to():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    frozen = np.array([10.0, 20.0])
    frozen.flags.writeable = False
    x.grad = frozen
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(frozen, [10.0, 20.0])
    np.testing.assert_array_equal(x.grad, [13.0, 23.0])


def test_gradients_of_two_paths_and_of_two_backwards_add_up():
    x = tg.Tensor([1.0, -2.0], requires_grad=True)
    for _ in range(2):  # the second backward, through a new graph, adds to the first
        y = x * 3.0
        ((y * x) + y).sum().backward()  # d/dx (3x^2 + 3x) = 6x + 3
    np.testing.assert_array_equal(x.grad, 2 * (6 * x.data + 3))


@pytest.mark.parametrize("value, error, message", [
    (np.ones(3), tg.ShapeError, r"^Tensor\.grad: the gradient must have the tensor's shape \(2,\), got shape \(3,\)"),
    (np.ones((2, 1)), tg.ShapeError, r"the tensor's shape \(2,\), got shape \(2, 1\)"),
    (np.ones(2, np.float32), TypeError, r"^Tensor\.grad: the gradient must have the tensor's dtype float64, got "
                                        r"dtype float32"),
    (np.ones(2, np.int64), TypeError, "got dtype int64"),
    ("ab", TypeError, r"^Tensor\.grad: expected a numpy array of shape \(2,\) and dtype float64 \(or None\), got str"),
    ([1.0, 2.0], TypeError, "got list"),
    (2.0, TypeError, "got float"),
    (tg.Tensor(np.ones(3)), tg.ShapeError, r"got shape \(3,\)"),
])
def test_assigning_a_wrong_grad_raises_at_once_and_keeps_the_previous_one(value, error, message):
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    previous = np.array([5.0, 6.0])
    x.grad = previous
    with pytest.raises(error, match=message):
        x.grad = value
    assert x.grad is previous
    (x * 1.0).sum().backward()  # and nothing fails later
    np.testing.assert_array_equal(x.grad, [6.0, 7.0])


@pytest.mark.parametrize("grad, message", [
    ([None, None], r"^backward: the gradient: objects \(ragged lists, None, .*\) are not numbers"),
    ("ab", r"^backward: the gradient: strings are not numbers"),
    (np.array(["a", "b"]), "strings are not numbers"),
    ([1 + 2j, 0], "complex numbers are not supported"),
    ([[1.0], [1.0, 2.0]], r"^backward: the gradient: cannot make an array from this list: its nested lists have different lengths"),
    (object(), "not numbers"),
])
def test_backward_with_a_non_numeric_gradient_raises_and_writes_nothing(grad, message):
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(TypeError, match=message):
        y.backward(grad=grad)  # the old engine turned [None, None] into a gradient of NaN
    assert x.grad is None
    y.backward(grad=[1.0, 1.0])  # the graph is intact
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


# ------------------------------------------------------------------ 0-d leaves
VALUE = {"acosh": 1.7, "arccosh": 1.7}  # a point inside each method's domain (0.7 elsewhere)


def _unary_methods():
    """Every Tensor method that maps a 0-d tensor to a tensor with no argument (so new ops are covered)."""
    names = []
    for name in sorted(dir(tg.Tensor)):
        if name.startswith("_") or name in ("backward", "detach", "numpy", "item", "tolist", "zero_grad",
                                            "retain_grad", "requires_grad_", "zero_", "T"):
            continue
        try:
            with np.errstate(all="ignore"):
                out = getattr(tg.Tensor(VALUE.get(name, 0.7), requires_grad=True), name)()
        except (TypeError, ValueError):
            continue  # needs arguments
        if isinstance(out, tg.Tensor) and out.requires_grad:
            names.append(name)
    return names


UNARY = _unary_methods()

# f(x, v): a function of the 0-d leaf x and a (3,)-shaped tensor v, giving a tensor of any shape
MIXED = {
    "x * v": lambda x, v: x * v, "v * x": lambda x, v: v * x, "x + v": lambda x, v: x + v,
    "v - x": lambda x, v: v - x, "v / x": lambda x, v: v / x, "x / v": lambda x, v: x / v,
    "v ** x": lambda x, v: v.abs() ** x, "x ** 2": lambda x, v: x ** 2, "2 ** x": lambda x, v: 2.0 ** x,
    "maximum(x, v)": lambda x, v: tg.maximum(x, v), "where(mask, x, v)": lambda x, v: tg.where(v.data > 0, x, v),
    "x[()]": lambda x, v: x[()], "x[None]": lambda x, v: x[None] * v, "x.reshape(1, 1)": lambda x, v: x.reshape(1, 1),
    "x.T": lambda x, v: x.T, "x.broadcast_to((3,))": lambda x, v: x.broadcast_to((3,)),
    "stack([x, x])": lambda x, v: tg.stack([x, x]), "(x * v).sum()": lambda x, v: (x * v).sum(),
    "(x * v).mean()": lambda x, v: (x * v).mean(), "(x * v).max()": lambda x, v: (x * v).max(),
    "x * v[1]": lambda x, v: x * v[1], "v @ v * x": lambda x, v: (v @ v) * x,
    "cross_entropy(x * logits)": lambda x, v: tg.functional.cross_entropy((x * v).reshape(1, 3), np.array([2])),
    "mse_loss(x, v)": lambda x, v: tg.functional.mse_loss(x.broadcast_to((3,)), v),
}


def _assert_writable_0d(grad, dtype):
    assert type(grad) is np.ndarray, f"got {type(grad).__name__}"
    assert grad.shape == () and grad.dtype == dtype and grad.flags.writeable


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", UNARY)
def test_a_0d_leaf_gets_a_writable_0d_array_from_every_unary_method(name, dtype):
    x = tg.Tensor(np.array(VALUE.get(name, 0.7), dtype=dtype), requires_grad=True)
    getattr(x, name)().sum().backward()
    _assert_writable_0d(x.grad, dtype)
    held = x.grad
    getattr(x, name)().sum().backward()
    assert x.grad is held  # a 0-d gradient accumulates in place too
    x.grad[...] = 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make", MIXED.values(), ids=MIXED.keys())
def test_a_0d_leaf_gets_a_writable_0d_array_through_broadcasting_reductions_and_indexing(make, dtype):
    x = tg.Tensor(np.array(0.7, dtype=dtype), requires_grad=True)
    v = tg.Tensor(np.array([0.5, -1.5, 2.0], dtype=dtype), requires_grad=True)
    make(x, v).sum().backward()
    _assert_writable_0d(x.grad, dtype)


def test_the_methods_found_include_the_usual_ones():
    assert {"exp", "log", "sigmoid", "tanh", "relu", "sum", "mean", "max", "reshape"} <= set(UNARY)


@pytest.mark.parametrize("make", MIXED.values(), ids=MIXED.keys())
def test_autograd_grad_of_a_0d_input_holds_a_0d_array(make):
    x = tg.Tensor(0.7, requires_grad=True)
    v = tg.Tensor([0.5, -1.5, 2.0])
    (gradient,) = tg.autograd.grad(make(x, v).sum(), x)
    _assert_writable_0d(gradient.data, np.float64)


def test_a_0d_leaf_as_its_own_root_gets_a_writable_0d_array():
    x = tg.Tensor(2.0, requires_grad=True)
    x.backward()
    _assert_writable_0d(x.grad, np.float64)
    x.backward(grad=3.0)
    assert x.grad == 4.0


class ReturnsItsSavedArray(tg.Function):
    """d(sum(w * c))/dw = c, returned as the very array forward saved (legal, if unusual)."""

    @staticmethod
    def forward(ctx, w, c):
        ctx.save_for_backward(c)
        return w * c

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        return c, None


def test_a_gradient_that_is_a_saved_array_is_copied_so_accumulating_cannot_change_the_graph():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    c = np.array([3.0, 4.0])
    loss = ReturnsItsSavedArray.apply(w, c).sum()
    loss.backward(retain_graph=True)
    loss.backward()  # the second backward adds into w.grad in place: the saved c must not be w.grad
    np.testing.assert_array_equal(w.grad, [6.0, 8.0])
    np.testing.assert_array_equal(c, [3.0, 4.0])


def test_a_gradient_that_is_the_callers_own_array_is_copied_so_accumulating_cannot_change_it():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    c = np.array([3.0, 4.0])
    for _ in range(2):  # two graphs, each saving the caller's c and returning it as w's gradient
        ReturnsItsSavedArray.apply(w, c).sum().backward()
    np.testing.assert_array_equal(w.grad, [6.0, 8.0])
    np.testing.assert_array_equal(c, [3.0, 4.0])
