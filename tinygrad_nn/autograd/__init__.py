"""Gradients as values, and derivatives of derivatives (``torch.autograd``'s names and arguments).

* ``grad(outputs, inputs, ...)``: d(outputs)/d(inputs) as Tensors, leaving
  every ``.grad`` alone. With ``create_graph=True`` the gradients are
  recorded, so they can be differentiated again, to any order.
* ``backward(tensors, grad_tensors=None, ...)``: ``Tensor.backward`` for
  several tensors at once, into ``.grad``.
* ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp``, ``vhp``: the
  functions of ``torch.autograd.functional`` (also importable from
  ``tinygrad_nn.autograd.functional``), built on ``grad``. ``hvp``
  differentiates the gradient's product with ``v`` and never builds the
  Hessian.

>>> import tinygrad_nn as tg
>>> from tinygrad_nn import autograd
>>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
>>> (g,) = autograd.grad((x ** 3).sum(), x, create_graph=True)   # 3 x**2
>>> (h,) = autograd.grad(g.sum(), x)                              # 6 x
>>> g.data, h.data
(array([ 3., 12.]), array([ 6., 12.]))
"""

import warnings

import numpy as np

from ..engine import Tensor, enable_grad, stack
from ..engine.backward import gradients, roots_and_gradients, run_backward
from ..engine.methods.arguments import flag_argument

__all__ = ["grad", "backward", "vjp", "jvp", "jacobian", "hessian", "hvp", "vhp", "functional"]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradient of ``outputs`` with respect to each of ``inputs``, as a tuple of Tensors.

    ``outputs``: a Tensor or a sequence of them; ``grad_outputs``: the
    gradient of some scalar with respect to each output (same shapes;
    None means ones, allowed for one-element outputs only). ``inputs``: the
    Tensors to differentiate with respect to (leaves or intermediates; each
    must require grad), or a dict of them (``dict(model.named_parameters())``),
    which gives a dict of gradients. ``.grad`` of every tensor is left as it is.

    With ``create_graph=True`` the backward pass is recorded: the returned
    gradients have a ``grad_fn`` and can be differentiated again.
    ``retain_graph`` (default: ``create_graph``) keeps the graph for another
    backward. An input that the outputs do not depend on is an error, or
    None with ``allow_unused=True``, or zeros with ``materialize_grads=True``
    (``allow_unused`` defaults to ``materialize_grads``). With
    ``is_grads_batched=True`` the first axis of each grad_output is a batch
    of vectors: the result has one vector-Jacobian product per entry, stacked
    along a first axis (materialized zeros get that axis too, where PyTorch's
    have the input's shape only). ``only_inputs`` is accepted for PyTorch's sake and
    ignored, as PyTorch ignores it. The arguments are those of
    ``torch.autograd.grad``.

    >>> import tinygrad_nn as tg
    >>> w = tg.Tensor([3.0, 4.0], requires_grad=True)
    >>> grad((w * w).sum(), w)[0].data
    array([6., 8.])
    """
    _check_flags("grad", retain_graph=retain_graph, create_graph=create_graph, only_inputs=only_inputs,
                 is_grads_batched=is_grads_batched, materialize_grads=materialize_grads)
    if allow_unused is not None:
        _check_flags("grad", allow_unused=allow_unused)
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: materialize_grads=True gives zeros for unused inputs, so allow_unused must be True "
                         "or left out, got allow_unused=False")
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    if not only_inputs:
        warnings.warn("grad: only_inputs is ignored (as in PyTorch, where it is deprecated); use backward() to "
                      "add gradients into .grad", FutureWarning, stacklevel=2)
    if not (grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray, list, tuple))):
        raise TypeError(f"grad: grad_outputs must be None, a Tensor, an array or a sequence of them, got "
                        f"{type(grad_outputs).__name__}")
    names = None
    if isinstance(inputs, dict):
        names, inputs = list(inputs), list(inputs.values())
    elif not isinstance(inputs, Tensor) and hasattr(inputs, "__iter__"):
        inputs = list(inputs)  # model.parameters() or a generator: read once
    if isinstance(inputs, list) and not inputs:
        raise RuntimeError("grad: inputs is empty; give the Tensors to differentiate with respect to")
    _check_outputs(outputs, grad_outputs)
    if is_grads_batched:
        result, batch = _batched_gradients(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    else:
        result, batch = gradients(outputs, inputs, grad_outputs, retain_graph=retain_graph,
                                  create_graph=create_graph, allow_unused=allow_unused), ()
    if materialize_grads:
        result = _zeros_for_unused(result, inputs if isinstance(inputs, list) else [inputs], batch,
                                   requires_grad=bool(create_graph))  # as PyTorch: leaves to differentiate
    return result if names is None else dict(zip(names, result))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Add the gradient of ``tensors`` into ``.grad`` of the leaves, as ``torch.autograd.backward`` does.

    ``tensors``: a Tensor or a sequence of them, differentiated together
    (their gradients are summed); ``grad_tensors``: one gradient per tensor
    (None for a one-element tensor). The other arguments are those of
    ``Tensor.backward``, which this is for several tensors at once.

    >>> import tinygrad_nn as tg
    >>> w = tg.Tensor([3.0, 4.0], requires_grad=True)
    >>> backward([(w * w).sum(), w.sum()])
    >>> w.grad
    array([7., 9.])
    """
    tensors, grad_tensors = roots_and_gradients(tensors, grad_tensors, "backward", "tensors", "grad_tensors")
    if not tensors:
        raise RuntimeError("backward: tensors is empty; give the Tensors to differentiate")
    run_backward(tuple(tensors), tuple(grad_tensors), create_graph if retain_graph is None else retain_graph,
                 create_graph, inputs)


def _check_outputs(outputs, grad_outputs):
    """Name the output a missing grad_output or graph is about, in ``grad``'s own words (``grad_outputs``)."""
    roots, grads = roots_and_gradients(outputs, grad_outputs, "grad", "outputs", "grad_outputs")
    for index, (root, g) in enumerate(zip(roots, grads)):
        what = "the output" if len(roots) == 1 else f"output {index}"
        if g is None and root.size != 1:
            raise RuntimeError(f"grad: {what} has shape {root.shape}, so its gradient is ambiguous; give its "
                               f"grad_outputs entry (a Tensor of that shape, ones for a plain sum), or reduce it "
                               f"first with .sum() or .mean()")
        if len(roots) > 1 and root.grad_fn is None and not root.requires_grad:
            raise RuntimeError(f"grad: output {index} does not require grad and was not made by a recorded op, so "
                               f"there is nothing to differentiate in it; compute it from tensors with "
                               f"requires_grad=True, or leave it out of outputs")


def _batched_gradients(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    """``grad`` with ``is_grads_batched``: one backward per entry of the grad_outputs' first axis, stacked.

    Returns the gradients and the batch shape ``(count,)``.
    """
    batch = [grad_outputs] if isinstance(grad_outputs, (Tensor, np.ndarray)) else list(grad_outputs or [])
    if not batch or any(g is None for g in batch):
        raise RuntimeError("grad: is_grads_batched=True needs a grad_output for every output, each with the batch "
                           "as its first axis")
    sizes = {np.shape(g)[0] if np.ndim(g) else None for g in batch}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(f"grad: with is_grads_batched=True every grad_output needs the same first (batch) axis, "
                         f"got shapes {[np.shape(g) for g in batch]}")
    (count,) = sizes
    rows = []
    for index in range(count):
        last = index == count - 1
        rows.append(gradients(outputs, inputs, [g[index] for g in batch],
                              retain_graph=retain_graph if last else True, create_graph=create_graph,
                              allow_unused=allow_unused))
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows)), (count,)


# ------------------------------------------------------------------- torch.autograd.functional
def _as_tuple(values, what, fn_name):
    """``(was_tuple, tuple of Tensors)``; arrays and numbers become float64 Tensors."""
    was_tuple = isinstance(values, (tuple, list))
    items = tuple(values) if was_tuple else (values,)
    result = []
    for index, item in enumerate(items):
        if not isinstance(item, Tensor):
            try:
                item = Tensor(item)
            except TypeError as error:
                raise TypeError(f"{fn_name}: {what} {index} must be a Tensor or an array, got "
                                f"{type(item).__name__}") from error
        result.append(item)
    return was_tuple, tuple(result)


def _differentiable(inputs, create_graph):
    """Copies of ``inputs`` that require grad: the function is differentiated at these values."""
    copies = []
    for t in inputs:
        if t.dtype.kind != "f":
            t = Tensor(t.data.astype(np.float64))
        if create_graph and t.requires_grad:
            # a recorded view of the caller's tensor: the results stay connected to its graph, and the same
            # tensor given twice is two inputs with partial derivatives of their own (torch's view_as)
            copies.append(t.reshape(t.shape))
        else:
            copies.append(t.detach().requires_grad_(True))
    return tuple(copies)


def _check_flags(fn_name, **flags):
    """Each flag must be True, False (or None, for retain_graph's default): not an array, a string, a number."""
    for name, value in flags.items():
        flag_argument(value, name, fn_name, allow_none=name == "retain_graph")


def _call(func, inputs, fn_name):
    if not callable(func):
        raise TypeError(f"{fn_name}: func must be a function of Tensors, got {type(func).__name__}")
    with enable_grad():
        outputs = func(*inputs)
    was_tuple = isinstance(outputs, (tuple, list))
    items = tuple(outputs) if was_tuple else (outputs,)
    for index, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(f"{fn_name}: the function must return a Tensor or a tuple of Tensors, output {index} "
                            f"is a {type(item).__name__}")
    return was_tuple, items


def _vectors(v, like, fn_name, what="v"):
    """``v`` as one Tensor per tensor of ``like``, of the same shapes (None: ones, for one-element ones)."""
    if v is None:
        for index, t in enumerate(like):
            if t.size != 1:
                raise RuntimeError(f"{fn_name}: {what} may be omitted only when every tensor it multiplies has one "
                                   f"element; tensor {index} has shape {t.shape}")
        return tuple(Tensor(np.ones(t.shape, dtype=t.dtype)) for t in like)
    _, vs = _as_tuple(v, what, fn_name)
    if len(vs) != len(like):
        raise ValueError(f"{fn_name}: expected {len(like)} tensor(s) in {what}, got {len(vs)}")
    for index, (vector, t) in enumerate(zip(vs, like)):
        if vector.shape != t.shape:
            raise ValueError(f"{fn_name}: {what} {index} has shape {vector.shape}, expected {t.shape}")
    return vs


def _gradients(outputs, inputs, grad_outputs, fn_name, strict, create_graph, names=None):
    """d(outputs)/d(inputs) with ``grad_outputs``: a Tensor per input, or None for an input nothing depends on.

    An output with no graph (a constant) adds nothing. With ``strict`` such an
    output, or an input no output depends on, is an error instead, as in
    PyTorch; ``names`` names the outputs in that message (``output 0`` ...).
    """
    names = names or [f"output {index}" for index in range(len(outputs))]
    for name, output in zip(names, outputs):
        if strict and not output.requires_grad:
            raise RuntimeError(f"{fn_name}: {name} does not depend on the inputs (strict=True)")
    pairs = [(output, g) for output, g in zip(outputs, grad_outputs) if output.requires_grad]
    grads = (None,) * len(inputs)
    if pairs:
        grads = grad([output for output, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                     create_graph=create_graph, allow_unused=True)
    unused = _first_none(grads)
    if strict and unused is not None:
        subject = f"{names[0]} does" if len(names) == 1 else "the outputs do"
        raise RuntimeError(f"{fn_name}: {subject} not depend on input {unused} (strict=True)")
    return grads


def _first_none(values):
    """The position of the first None among ``values``, or None (``in`` would compare Tensors with ==)."""
    return next((index for index, value in enumerate(values) if value is None), None)


def _zeros_for_unused(grads, like, batch=(), requires_grad=False):
    """``grads`` with zeros (the matching tensor of ``like``'s shape, after ``batch``, and dtype) for each None."""
    return tuple(Tensor(np.zeros(batch + t.shape, dtype=t.dtype), requires_grad=requires_grad) if g is None else g
                 for g, t in zip(grads, like))


def _finish(values, create_graph, was_tuple):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if was_tuple else values[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs`` (``torch.autograd.functional.vjp``)."""
    _check_flags("vjp", create_graph=create_graph, strict=strict)
    inputs_tuple, inputs = _as_tuple(inputs, "input", "vjp")
    inputs = _differentiable(inputs, create_graph)
    outputs_tuple, outputs = _call(func, inputs, "vjp")
    vs = _vectors(v, outputs, "vjp")
    grads = _zeros_for_unused(_gradients(outputs, inputs, vs, "vjp", strict, create_graph), inputs)
    return _finish(outputs, create_graph, outputs_tuple), _finish(grads, create_graph, inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by differentiating a vjp (the double-vjp trick)."""
    _check_flags("jvp", create_graph=create_graph, strict=strict)
    inputs_tuple, inputs = _as_tuple(inputs, "input", "jvp")
    inputs = _differentiable(inputs, create_graph)
    vs = _vectors(v, inputs, "jvp")
    outputs_tuple, outputs = _call(func, inputs, "jvp")
    dummies = tuple(Tensor(np.zeros(o.shape, dtype=o.dtype), requires_grad=True) for o in outputs)
    grads = _gradients(outputs, inputs, dummies, "jvp", strict, create_graph=True)
    used = [(g, vector) for g, vector in zip(grads, vs) if g is not None]
    # d(grads . v)/d(dummies) = J v; an output whose entry is None does not depend on the inputs (a constant)
    products = _gradients([g for g, _ in used], dummies, [vector for _, vector in used], "jvp", False, create_graph)
    constant = _first_none(products)
    if strict and constant is not None:
        raise RuntimeError(f"jvp: output {constant} does not depend on the inputs (strict=True)")
    products = _zeros_for_unused(products, outputs)
    return _finish(outputs, create_graph, outputs_tuple), _finish(products, create_graph, outputs_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: d output[i] / d input[j] of shape ``output.shape + input.shape``.

    One backward per output element (reverse mode). For one input and one
    output the result is a Tensor; otherwise a tuple (per output) of tuples
    (per input), as ``torch.autograd.functional.jacobian`` returns.
    """
    _check_flags("jacobian", create_graph=create_graph, strict=strict, vectorize=vectorize)
    if not isinstance(strategy, str) or strategy != "reverse-mode":
        raise ValueError(f"jacobian: only strategy='reverse-mode' is supported, got {strategy!r}")
    return _jacobian(func, inputs, create_graph, strict, "jacobian", "output {index}")


def _jacobian(func, inputs, create_graph, strict, fn_name, output_name):
    """``jacobian``, also of ``hessian``'s gradient function: ``fn_name`` and ``output_name`` word its errors."""
    inputs_tuple, inputs = _as_tuple(inputs, "input", fn_name)
    inputs = _differentiable(inputs, create_graph)
    outputs_tuple, outputs = _call(func, inputs, fn_name)
    rows = []
    for index, output in enumerate(outputs):
        per_input = [[] for _ in inputs]
        for flat in range(output.size):
            seed = np.zeros(output.shape, dtype=output.dtype)
            seed.reshape(-1)[flat] = 1
            grads = _gradients((output,), inputs, (Tensor(seed),), fn_name, strict, create_graph,
                               [f"element {flat} of {output_name.format(index=index)}"])
            grads = _zeros_for_unused(grads, inputs)
            for j, g in enumerate(grads):
                per_input[j].append(g if create_graph else g.detach())
        blocks = []
        for j, t in enumerate(inputs):
            block = stack(per_input[j]) if per_input[j] else Tensor(np.zeros((0,) + t.shape, dtype=t.dtype))
            blocks.append(block.reshape(output.shape + t.shape))
        rows.append(tuple(blocks) if inputs_tuple else blocks[0])
    return tuple(rows) if outputs_tuple else rows[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: the Jacobian of its gradient.

    For one input the result has shape ``input.shape + input.shape``; for
    several, a tuple of tuples of blocks, as in PyTorch.
    """
    _check_flags("hessian", create_graph=create_graph, strict=strict, vectorize=vectorize)
    if not isinstance(outer_jacobian_strategy, str) or outer_jacobian_strategy != "reverse-mode":
        raise ValueError(f"hessian: only outer_jacobian_strategy='reverse-mode' is supported, "
                         f"got {outer_jacobian_strategy!r}")
    inputs_tuple, inputs = _as_tuple(inputs, "input", "hessian")

    def gradient(*xs):
        _, (output,) = _checked_scalar(func, xs, "hessian")
        grads = _zeros_for_unused(_gradients((output,), xs, (None,), "hessian", strict, True, ["the function"]), xs)
        return grads if inputs_tuple else grads[0]

    return _jacobian(gradient, inputs if inputs_tuple else inputs[0], create_graph, strict, "hessian",
                     "the gradient with respect to input {index}")


def _checked_scalar(func, xs, fn_name):
    was_tuple, outputs = _call(func, xs, fn_name)
    if len(outputs) != 1 or outputs[0].size != 1:
        raise RuntimeError(f"{fn_name}: the function must return a single Tensor with one element, got "
                           f"{[o.shape for o in outputs]}")
    return was_tuple, outputs


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``: the Hessian-vector product of a scalar ``func``, without building H.

    Differentiates ``sum(grad(func) * v)`` once more: two backward passes,
    whatever the number of inputs. (H is symmetric, so ``hvp`` and ``vhp``
    agree.)
    """
    _check_flags("hvp", create_graph=create_graph, strict=strict)
    inputs_tuple, inputs = _as_tuple(inputs, "input", "hvp")
    inputs = _differentiable(inputs, create_graph)
    vs = _vectors(v, inputs, "hvp")
    _, (output,) = _checked_scalar(func, inputs, "hvp")
    grads = _gradients((output,), inputs, (None,), "hvp", strict, create_graph=True)
    used = [(g, vector) for g, vector in zip(grads, vs) if g is not None]
    dot = sum(((g * vector).sum() for g, vector in used), Tensor(0.0, dtype=output.dtype))
    # a gradient with no graph (a function linear in the inputs) gives H v = 0
    products = _gradients((dot,), inputs, (None,), "hvp", strict, create_graph, ["the gradient"])
    products = _zeros_for_unused(products, inputs)
    return _finish((output,), create_graph, False), _finish(products, create_graph, inputs_tuple)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)``: the same as ``hvp`` (H is symmetric for a twice-differentiable func)."""
    _check_flags("vhp", create_graph=create_graph, strict=strict)
    return hvp(func, inputs, v, create_graph=create_graph, strict=strict)


from . import functional  # noqa: E402  (torch.autograd.functional's path; it re-exports the functions above)
