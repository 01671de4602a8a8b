"""``gradgradcheck``: check second derivatives, by checking the gradient of the function that computes gradients.

The function checked is ``gradient(*inputs, *grad_outputs)``: the gradients of ``fn`` at
``inputs`` contracted with ``grad_outputs`` (``autograd.grad(fn(*inputs), inputs, grad_outputs,
create_graph=True)``). Its analytic gradient is a backward through the *recorded* backward of
``fn`` (the double backward); its numerical gradient is central differences of the gradients
themselves. So a backward that is right to first order but whose own derivative is wrong fails
here, with the report of ``gradcheck`` (per input and per grad_output: the worst element, both
values, the band, kinks named and skipped).

The first derivative is taken as given (``gradcheck`` checks it). One more thing is checked: that
the gradient computed while recording equals the plain backward's, so a backward that computes
something else when it receives Tensors (a fast path for arrays, a slow one for ``create_graph``)
cannot pass with a self-consistent but wrong recorded path.
"""

import numpy as np

from ..engine import Tensor, enable_grad
from ..engine.backward import gradients
from .evaluate import CallableEvaluator, _is_function_class, check_arity, describe
from .formatting import format_index, format_value
from .gradient_check import _data, check_evaluator, fail_unchecked_inputs, split_inputs
from .options import options_for
from .report import GradcheckError

__all__ = ["gradgradcheck", "second_order_check", "callable_for"]


def gradgradcheck(fn, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  mode="auto", elementwise=None, nudge=False, wrt=None, kwargs=None, seed=0):
    """Check ``fn``'s second derivatives (the gradient of its gradient) against central differences.

    ``fn`` and ``inputs`` are as in ``tg.gradcheck``: ``fn`` takes Tensors and returns a Tensor or
    a tuple of Tensors, or is a ``Function`` subclass (called with ``apply``, ``kwargs`` as its
    options). ``grad_outputs``: one array per output, the vectors ``v`` the gradient is taken
    along (``autograd.grad(fn(x), x, v, create_graph=True)``); None draws them at random (seeded
    by ``seed``), once, from the outputs' shapes. The check differentiates that gradient with
    respect to every checked input and every grad_output, as ``torch.autograd.gradgradcheck``
    does: a wrong term of the double backward, a wrong sign or factor, or a recorded backward that
    ignores its upstream gradient fails.

    It also verifies that the gradient computed under ``create_graph=True`` equals the plain
    backward's. It does not check the first derivative itself: run ``tg.gradcheck`` for that.
    The options (``eps``, ``atol``, ``rtol``, ``mode``, ``elementwise``, ``nudge``, ``wrt``,
    ``seed``) mean what they mean for ``tg.gradcheck``; kinks of the gradient (ReLU's at 0) are
    named and skipped.

    Returns a ``GradcheckResult`` (truthy when the check passed; print it for the report, whose
    grad_outputs are reported as ``grad_output 0``, ...). On failure with
    ``raise_exception=True`` raises ``GradcheckError`` naming the input or grad_output, the
    element and both values.

    >>> import numpy as np, tinygrad_nn as tg
    >>> bool(tg.gradgradcheck(lambda x: x * x.sigmoid(), (np.linspace(-3, 3, 7),)))
    True
    """
    if not isinstance(raise_exception, bool):
        raise TypeError(f"gradgradcheck: raise_exception must be True or False, got {raise_exception!r:.40}")
    options = options_for("gradgradcheck", eps=eps, atol=atol, rtol=rtol, mode=mode, elementwise=elementwise,
                          nudge=nudge, seed=seed)
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    function, name = callable_for(fn, kwargs, "gradgradcheck")
    if _is_function_class(fn):  # its apply takes *args: what forward takes is checked here
        check_arity(fn.forward, [None, *inputs], "gradgradcheck", f"{name}.forward", kwargs, ctx=True)
    split = split_inputs(inputs, wrt, caller="gradgradcheck")
    result = second_order_check(function, name, inputs, split, grad_outputs, options)
    fail_unchecked_inputs(result)
    if raise_exception and not result.passed:
        raise GradcheckError(result.message(), result)
    return result


def callable_for(fn, kwargs, caller):
    """``(a callable of Tensors, its name)``: a ``Function`` subclass is called through ``apply``."""
    if _is_function_class(fn):
        options = dict(kwargs or {})
        return (lambda *args: fn.apply(*args, **options)), fn.__name__
    if kwargs:
        raise TypeError(f"{caller}: kwargs= is only for Function subclasses; wrap a callable in a lambda")
    if not callable(fn):
        raise TypeError(f"{caller}: fn must be callable or a Function subclass, got {type(fn).__name__}")
    return fn, describe(fn)


def second_order_check(fn, name, inputs, split, grad_outputs, options):
    """The check of ``gradient(*inputs, *grad_outputs)`` for a callable ``fn``: a ``GradcheckResult``.

    ``split`` is ``split_inputs(inputs, ...)``: which inputs are checked, as float64 copies.
    """
    constants, checked, arrays, dtypes = (list(part) for part in split)
    count = len(inputs)
    with np.errstate(all="ignore"):
        outputs, _ = CallableEvaluator(fn, constants, checked, name, caller="gradgradcheck").outputs_at(arrays)
    vectors = _grad_outputs(grad_outputs, outputs, options.seed)
    gradient = _Gradient(fn, count, checked)
    constants.extend(vectors)
    checked.extend(range(count, count + len(vectors)))
    arrays.extend(v.copy() for v in vectors)
    dtypes.extend(v.dtype for v in vectors)
    evaluator = CallableEvaluator(gradient, constants, checked, name=f"the gradient of {name}",
                                  caller="gradgradcheck")
    result = check_evaluator(evaluator, arrays, dtypes, options)
    for report in _all_reports(result):
        if report.input_index >= count:
            report.name = f"grad_output {report.input_index - count}"
    result.grad_outputs = tuple(vectors)
    _check_recorded_equals_plain(gradient, evaluator, arrays, result)
    return result


def _all_reports(result):
    reports = list(result.inputs)
    if result.nudged is not None:
        reports.extend(result.nudged.inputs)
    return reports


def _grad_outputs(given, outputs, seed):
    """One float64 array per output: ``given`` checked against the outputs' shapes, or drawn."""
    if given is None:
        rng = np.random.default_rng(seed + 2)      # not the stream of the check's own upstream gradient
        return [rng.standard_normal(o.shape) for o in outputs]
    items = list(given) if isinstance(given, (tuple, list)) else [given]
    if len(items) != len(outputs):
        raise ValueError(f"gradgradcheck: got {len(items)} grad_outputs for {len(outputs)} output(s); "
                         "give one per output, of its shape")
    vectors = []
    for k, (item, output) in enumerate(zip(items, outputs)):
        array = np.asarray(_data(item))
        if array.dtype.kind != "f":
            raise TypeError(f"gradgradcheck: grad_output {k} must be floating point, got dtype {array.dtype}")
        if array.shape != output.shape:
            raise ValueError(f"gradgradcheck: grad_output {k} has shape {array.shape} but output {k} has "
                             f"shape {output.shape}; they must match")
        vectors.append(np.array(array, dtype=np.float64))
    return vectors


class _Gradient:
    """``gradient(*inputs, *grad_outputs)``: the gradients of ``fn`` at ``inputs`` along
    ``grad_outputs``, recorded (``create_graph=True``), one per checked input of ``fn``
    (a zero constant where an input is unused); one Tensor for one input, else a tuple.

    ``record=False`` computes the same gradients with a plain backward (arrays, nothing recorded).
    """

    def __init__(self, fn, count, checked):
        self.fn = fn
        self.count = count                  # how many arguments fn takes (the rest are grad_outputs)
        self.checked = list(checked)        # fn's arguments differentiated against

    def __call__(self, *args, record=True):
        args = list(args)
        vectors = args[self.count:]
        with enable_grad():
            xs = []
            for position in self.checked:
                x = args[position]
                x = x if x.requires_grad else x.detach().requires_grad_(True)
                args[position] = x
                xs.append(x)
            out = self.fn(*args[:self.count])
            outputs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            pairs = [(o, v) for o, v in zip(outputs, vectors) if o.grad_fn is not None or o.requires_grad]
            if pairs:
                grads = gradients([o for o, _ in pairs], xs, [v for _, v in pairs], create_graph=record,
                                  allow_unused=True)
            else:
                grads = (None,) * len(xs)
        grads = tuple(Tensor(np.zeros(x.shape)) if g is None else g for g, x in zip(grads, xs))
        return grads[0] if len(grads) == 1 else grads


def _check_recorded_equals_plain(gradient, evaluator, arrays, result):
    """Fail an input whose gradient under ``create_graph=True`` differs from the plain backward's."""
    args = list(evaluator.constants)
    for position, array in zip(evaluator.checked, arrays):
        args[position] = Tensor(array.copy())
    with np.errstate(all="ignore"):
        recorded = gradient(*args)
        plain = gradient(*args, record=False)
    recorded = recorded if isinstance(recorded, tuple) else (recorded,)
    plain = plain if isinstance(plain, tuple) else (plain,)
    reports = {report.input_index: report for report in result.inputs}
    for position, r, p in zip(gradient.checked, recorded, plain):
        r, p = np.asarray(r.data, dtype=np.float64), np.asarray(p.data, dtype=np.float64)
        with np.errstate(all="ignore"):
            scale = float(np.max(np.abs(p[np.isfinite(p)]), initial=0.0))
            gap = np.where(np.isnan(r) & np.isnan(p), 0.0, np.abs(r - p))
            differs = ~(gap <= 1e-9 * scale + 1e-12) & (r != p)
        if differs.any() and position in reports:
            worst = np.where(differs, np.nan_to_num(gap, nan=np.inf), -1.0)
            where = tuple(int(i) for i in np.unravel_index(int(np.argmax(worst)), worst.shape))
            report = reports[position]
            report.problems.append(
                f"under create_graph=True the gradient of input {position} is {format_value(r[where])} at element "
                f"{format_index(where)}, but the plain backward gives {format_value(p[where])}: the backward "
                "computes something else when it receives Tensors, so what is recorded is not its gradient")
            report.passed = False
