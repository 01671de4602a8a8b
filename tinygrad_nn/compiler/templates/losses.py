"""Templates of the fused losses (cross-entropy, the L2 penalty) and of dropout."""

import numpy as np

from ...engine import ops
from ...engine.ops import SoftmaxCrossEntropy, SumOfSquares, WrongClasses
from ...functional.losses_inputs import check_label_range
from ..errors import TraceError
from .base import Template, template

__all__ = ["check_class_labels"]


_NO_IGNORED = ("A compiled step computes cross_entropy's fused mean over every sample, as it was traced, so it "
               "supports no ignored labels (ignore_index): call the function without tg.compile for such batches")


def check_class_labels(labels, classes, ignore_index=None):
    """Raise as ``cross_entropy`` does when a label lies outside ``[0, classes)`` (it checks before its op runs).

    ``ignore_index`` is given when it is a class index: a label equal to it
    raises ``TraceError``. The trace took the fused path, on which no sample
    is ignored; ignored samples take another path, which the trace lacks.
    """
    try:
        check_label_range(labels, classes, "cross_entropy")
    except ValueError as error:
        raise ValueError(f"{error}. If they are meant as ignored labels: "
                         f"{_NO_IGNORED[0].lower()}{_NO_IGNORED[1:]}") from None
    if ignore_index is not None and (labels == ignore_index).any():
        raise TraceError(f"cross_entropy: some labels equal ignore_index={ignore_index}. {_NO_IGNORED}")


@template(SoftmaxCrossEntropy)
class CrossEntropy(Template):
    """The notes' fused softmax cross-entropy: mean of log(sum(exp)) - the correct class's shifted score."""

    label = "cross_entropy"
    literals = False

    def forward(self, t, scores):
        labels = t.kwargs.get("labels")
        rows = t.constant(np.arange(scores.shape[0]), "rows")
        if labels.kind != "constant":  # cross_entropy checks the labels before it records the op
            ignore_index = t.kwargs.get("ignore_index")  # only when it is a class index
            extra = "" if ignore_index is None else f", {t.option(ignore_index)}"
            t.perform(f"check_class_labels({{0}}, {scores.shape[1]}{extra})", labels)
        shifted = t.emit("{0} - max_along({0}, 1)", scores, name=f"shifted_{scores.hint}")
        exp = t.emit("np.exp({0})", shifted, name=f"exp_{scores.hint}")
        sums = t.emit("sum_along({0}, 1)", exp, name=f"sum_exp_{scores.hint}")
        t.memory.update(exp=exp, sums=sums, rows=rows, labels=labels)
        dtype = t.dtype(scores.dtype)
        return t.emit(f"np.asarray(np.mean(np.log({{0}}[:, 0]) - {{1}}[{{2}}, {{3}}]), dtype={dtype})",
                      sums, shifted, rows, labels)

    def backward(self, t, grad, scores):
        memory = t.memory
        probs = t.emit("{0} / {1}", memory["exp"], memory["sums"], name="probs")
        probs = t.mutate("{0}[{1}, {2}] -= 1", probs, memory["rows"], memory["labels"])
        count = t.number(len(memory["rows"].sample), probs.dtype)
        return t.mutate(f"{{0}} *= {{1}} / {count}", probs, grad)


@template(SumOfSquares)
class L2Penalty(Template):
    """sum of p**2 over the parameters, as np.vdot(p, p) added one by one."""

    label = "l2_penalty"
    literals = False

    def forward(self, t, *params):
        dtype = t.dtype(np.result_type(*[p.sample for p in params]))
        terms = "".join(f" + np.vdot({{{i}}}, {{{i}}})" for i in range(len(params)))
        return t.emit(f"np.asarray(np.zeros((), dtype={dtype}){terms})", *params)

    def backward(self, t, grad, *params):
        twice = t.emit("{0} * 2", grad, hint="twice")
        return tuple(t.emit("{0} * {1}", twice, param) if need else None for param, need in zip(params, t.needs))


@template(WrongClasses)
class WrongClassesTemplate(Template):
    """x with each row's correct class zeroed (the multiclass SVM loss): x * mask."""

    label = "wrong_classes"
    literals = False

    def forward(self, t, x):
        labels = t.kwargs.get("labels")
        rows = t.constant(np.arange(len(labels.sample)), "rows")
        ones = t.emit(f"np.ones({t.option(x.shape)}, dtype={t.dtype(x.dtype)})", x, name="wrong_class")
        mask = t.mutate("{0}[{1}, {2}] = 0", ones, rows, labels)
        t.memory["mask"] = mask
        return t.emit("{0} * {1}", x, mask, inplace=[(0, "{0} *= {1}")])

    def backward(self, t, grad, x):
        return t.emit("{0} * {1}", grad, t.memory["mask"], inplace=[(0, "{0} *= {1}")])


@template(ops.Dropout)
class Dropout(Template):
    """A fresh mask from the generator on every call: (u >= p) / (1 - p)."""

    random = True

    def forward(self, t, x):
        p, rng = t.kwargs.get("p", 0.5), t.kwargs.get("rng")
        if rng is None:  # the default generator at the time of the call: tg.manual_seed reaches it
            generator, operands = "default_rng()", [x]
        else:
            generator, operands = "{1}", [x, t.constant(rng, "rng")]
        scale = t.number(x.dtype.type(1.0 - p), x.dtype)
        mask = t.emit(f"({generator}.random({t.option(x.shape)}) >= {t.option(p)}).astype({t.dtype(x.dtype)})"
                      f" / {scale}", *operands, hint="mask")
        t.memory["mask"] = mask
        return t.emit("{0} * {1}", x, mask, inplace=[(0, "{0} *= {1}")])

    def backward(self, t, grad, x):
        return t.emit("{0} * {1}", grad, t.memory["mask"], inplace=[(0, "{0} *= {1}")])
