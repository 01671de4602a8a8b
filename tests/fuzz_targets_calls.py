"""Fuzz targets beyond the public signatures (tests/fuzz_targets.py): calls that only garbage in their options
reaches, once the data they are given is right.

* ``F.<loss>(x, y, options)``: every loss of ``functional`` on inputs it accepts, with its own options
  (``weight=``, ``reduction=``, ``ignore_index=``, ``label_smoothing=``, ``pos_weight=``, ``beta=``, ``delta=``,
  ``log_target=``) left out, as default, or garbage;
* ``nn.<Loss>(options)(x, y)``: each loss module built with garbage options, then called on such inputs;
* ``compile()(x)``: the callable ``tg.compile`` returns, called with garbage (a trace of garbage must fail
  as the function itself would, naming the op or ``compile``); ``compile(garbage)(x)``: garbage compiled,
  then called with a tensor or garbage.

A target is ``(label, make_callable, names)``, as in tests/fuzz_targets.py.
"""

import inspect

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import functional as F, nn


def _scores():
    return tg.Tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)


LOSS_INPUTS = {  # the loss: (its input, its target), both valid, made afresh per example
    "cross_entropy": lambda: (_scores(), np.array([0, 2])),
    "nll_loss": lambda: (_scores().log_softmax(axis=1), np.array([1, 0])),
    "multiclass_hinge_loss": lambda: (_scores(), np.array([2, 1])),
    "binary_cross_entropy": lambda: (_scores().sigmoid(), np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]])),
    "binary_cross_entropy_with_logits": lambda: (_scores(), np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]])),
    "kl_div": lambda: (_scores().log_softmax(axis=1), np.full((2, 3), 1 / 3)),
    "mse_loss": lambda: (_scores(), np.zeros((2, 3))),
    "l1_loss": lambda: (_scores(), np.zeros((2, 3))),
    "smooth_l1_loss": lambda: (_scores(), np.zeros((2, 3))),
    "huber_loss": lambda: (_scores(), np.zeros((2, 3))),
    "hinge_loss": lambda: (tg.Tensor([0.5, -2.0, 1.0], requires_grad=True), np.array([1.0, -1.0, -1.0])),
}
LOSS_MODULES = {"CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss", "BCELoss": "binary_cross_entropy",
                "BCEWithLogitsLoss": "binary_cross_entropy_with_logits", "MSELoss": "mse_loss", "L1Loss": "l1_loss",
                "SmoothL1Loss": "smooth_l1_loss", "HuberLoss": "huber_loss", "KLDivLoss": "kl_div"}


def _with_options_of(signature, call):
    """``call(**options)`` carrying ``signature`` (its options only), so the fuzz test draws exactly those."""
    call.__signature__ = signature
    return call


def _options(function, skip):
    """The signature of ``function`` without its first ``skip`` parameters, every option keyword-only."""
    parameters = list(inspect.signature(function).parameters.values())[skip:]
    return inspect.Signature([p.replace(kind=p.KEYWORD_ONLY) for p in parameters])


def _loss_with_options(name):
    loss = getattr(F, name)

    def make(draw):
        x, y = LOSS_INPUTS[name]()
        return _with_options_of(_options(loss, 2), lambda **options: loss(x, y, **options))
    return make


def _loss_module_with_options(name):
    cls = getattr(nn, name)

    def make(draw):
        x, y = LOSS_INPUTS[LOSS_MODULES[name]]()
        return _with_options_of(_options(cls.__init__, 1), lambda **options: cls(**options)(x, y))
    return make


def _compiled_call(draw):
    compiled = tg.compile(lambda x: F.tanh(x).sum())  # F.tanh takes any data: garbage fails in the library
    compiled(_scores())  # one good call first: later ones go through the trace's guard
    return compiled


def _compile_any(draw):
    from fuzz_targets import garbage  # the values of tests/fuzz_targets.py (which imports this file)
    target = draw(garbage)
    return _with_options_of(inspect.signature(lambda x: None), lambda x: tg.compile(target)(x))


def call_targets():
    """The targets of this file."""
    targets = [(f"F.{name}(x, y, options)", _loss_with_options(name), (name,)) for name in LOSS_INPUTS]
    targets += [(f"nn.{name}(options)(x, y)", _loss_module_with_options(name), (name, LOSS_MODULES[name]))
                for name in LOSS_MODULES]
    targets.append(("compile()(x)", _compiled_call, ("compile",)))
    targets.append(("compile(garbage)(x)", _compile_any, ("compile",)))
    return targets
