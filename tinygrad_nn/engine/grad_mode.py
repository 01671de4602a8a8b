"""Thread-local switches of the engine: gradient recording, anomaly detection
and the scope stack that tells which module created a node, plus the guard
that refuses to turn a Tensor into an array while a backward is recorded
(``check_array_conversion``) and the hook ``tinygrad_nn.compile`` traces with
(``notify_tracer``).

Each thread has its own state, so ``no_grad`` in one thread never turns off
recording in another.
"""

import functools
import inspect
import threading

import numpy as np

from .errors import NotDifferentiableError

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly",
           "is_anomaly_enabled", "scope", "current_scope", "recording_backward",
           "check_array_conversion", "notify_tracer"]


class _State(threading.local):
    """This thread's switches. They live in one tuple, ``modes``, because every
    recorded op reads all three: one thread-local lookup instead of three."""

    def __init__(self):
        self.modes = (True, False, ())  # (grad_enabled, anomaly, scope)
        self.recording_backward_of = None  # the Function whose backward is being recorded (create_graph)
        self.tracer = None                 # set while tinygrad_nn.compile traces a function in this thread

    @property
    def grad_enabled(self):
        return self.modes[0]

    @grad_enabled.setter
    def grad_enabled(self, value):
        self.modes = (value,) + self.modes[1:]

    @property
    def anomaly(self):
        return self.modes[1]

    @anomaly.setter
    def anomaly(self, value):
        self.modes = (self.modes[0], value, self.modes[2])

    @property
    def scope(self):
        return self.modes[2]

    @scope.setter
    def scope(self, value):
        self.modes = self.modes[:2] + (value,)


STATE = _State()
RECORDING = [0]  # how many threads record a backward now: reading .data looks further only when > 0


def is_grad_enabled():
    """True when operations are being recorded for ``backward`` in this thread."""
    return STATE.grad_enabled


def is_anomaly_enabled():
    """True inside ``detect_anomaly()`` in this thread."""
    return STATE.anomaly


class _Switch:
    """A context manager that is also a decorator (``@switch()`` or bare ``@switch``); sets one thread-local flag."""

    _attr = ""
    _value = None

    def __new__(cls, func=None):
        switch = super().__new__(cls)
        switch._previous = []  # a stack, so one instance may be entered again while active
        if func is not None:   # used bare: @tg.no_grad
            if not callable(func):
                raise TypeError(f"{cls.__name__}() takes no arguments (or decorates a function), got {func!r}")
            return switch(func)
        return switch

    def __enter__(self):
        if self._attr == "grad_enabled":  # inside a trace, values computed under it would be baked in
            notify_tracer("no_grad" if self._value is False else "enable_grad", self)
        self._previous.append(getattr(STATE, self._attr))
        setattr(STATE, self._attr, self._value)
        return self

    def __exit__(self, *exc_info):
        setattr(STATE, self._attr, self._previous.pop())
        return False

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            return _wrap_generator(type(self), func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)
        return wrapper


def _wrap_generator(switch, func):
    """``func`` (a generator function) whose body runs inside ``switch()`` each time it resumes.

    The switch is entered around every step of the generator and left at
    every ``yield``, so the caller's own mode is untouched between steps
    (PyTorch's rule for decorated generators).
    """
    @functools.wraps(func)
    def generator(*args, **kwargs):
        steps = func(*args, **kwargs)
        try:
            with switch():
                response = steps.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with switch():
                        steps.close()
                    raise
                except BaseException as error:
                    with switch():
                        response = steps.throw(error)
                else:
                    with switch():
                        response = steps.send(request)
        except StopIteration as stop:
            return stop.value
    return generator


class no_grad(_Switch):
    """Record nothing: results of operations inside have no ``grad_fn``.

    Use it as a context manager (``with tg.no_grad(): ...``) or a decorator
    (``@tg.no_grad()`` or ``@tg.no_grad``). The switch is thread-local.

    >>> import tinygrad_nn as tg
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad, y.grad_fn
    (False, None)
    """

    _attr = "grad_enabled"
    _value = False


class enable_grad(_Switch):
    """Record operations again, e.g. inside a function decorated with ``no_grad``."""

    _attr = "grad_enabled"
    _value = True


class set_grad_enabled:
    """Turn recording on (``True``) or off (``False``): PyTorch's ``torch.set_grad_enabled``.

    Called on its own it switches this thread from now on; as a context
    manager (``with tg.set_grad_enabled(training):``) it switches for the
    block and restores the previous mode after it; as a decorator
    (``@tg.set_grad_enabled(False)``) it switches for every call of the
    function (for a generator, while it runs), like ``no_grad`` and
    ``enable_grad``.

    >>> import tinygrad_nn as tg
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> with tg.set_grad_enabled(False):
    ...     y = w * 2
    >>> y.requires_grad, tg.is_grad_enabled()
    (False, True)
    """

    def __init__(self, mode):
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r} ({type(mode).__name__})")
        self.mode = bool(mode)
        notify_tracer("enable_grad" if self.mode else "no_grad", self)  # as no_grad and enable_grad do
        self._previous = STATE.grad_enabled
        STATE.grad_enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        STATE.grad_enabled = self._previous
        return False

    def __call__(self, func):
        STATE.grad_enabled = self._previous  # decorating switches nothing now, only the calls
        return (enable_grad if self.mode else no_grad)(func)


class detect_anomaly(_Switch):
    """Raise as soon as an operation produces NaN or inf.

    Inside it each node remembers the line of user code that created it. A
    forward whose finite inputs give a NaN/inf output, or a backward whose
    finite upstream gradient gives a NaN/inf input gradient, raises
    ``AnomalyError`` naming the op and that line. It slows every op down:
    use it to debug, not to train.
    """

    _attr = "anomaly"
    _value = True


class scope:
    """Push ``owner`` (any object, e.g. a module) on this thread's scope stack.

    Every node recorded inside remembers the stack as ``node.scope`` (a tuple,
    outermost first). ``tg.nn.Module.__call__`` uses this so that drawings and
    graph checks can say which module made which op; the engine itself never
    looks inside the objects.
    """

    def __init__(self, owner):
        self.owner = owner

    def __enter__(self):
        notify_tracer("scope", self.owner)  # the compiler keys a trace on the modules' train/eval modes
        self._previous = STATE.scope
        STATE.scope = self._previous + (self.owner,)
        return self

    def __exit__(self, *exc_info):
        STATE.scope = self._previous
        return False


def current_scope():
    """The scope stack of this thread as a tuple, outermost first."""
    return STATE.scope


class recording_backward:
    """While a ``Function``'s backward is recorded (``create_graph=True``): turn recording on and watch it.

    Inside, turning a Tensor into a numpy array would cut the recorded
    graph, so ``check_array_conversion`` raises instead of letting a second
    derivative come out silently wrong.
    """

    def __init__(self, function):
        self.function = function

    def __enter__(self):
        self._previous = (STATE.modes, STATE.recording_backward_of)
        STATE.grad_enabled = True
        STATE.recording_backward_of = self.function
        RECORDING[0] += 1
        return self

    def __exit__(self, *exc_info):
        STATE.modes, STATE.recording_backward_of = self._previous
        RECORDING[0] -= 1
        return False


def check_array_conversion(tensor, how="turned a Tensor into a numpy array"):
    """Refuse reading a Tensor's values out of the graph while a backward is recorded (see ``recording_backward``).

    Called by ``Tensor.__array__``, ``.data``, ``.numpy()``, ``float()``,
    ``.item()`` and ``.tolist()``, and by numpy functions without an op.
    Only tensors that require grad are refused: their values depend on the
    inputs, so a number or array read from them would cut the graph.
    """
    function = STATE.recording_backward_of
    if function is not None and tensor.requires_grad:
        raise NotDifferentiableError(
            f"{function.__name__}.backward {how} while create_graph=True, which would cut the graph of the "
            f"gradient (its second derivative would be wrong). Under create_graph the engine passes Tensors to "
            f"backward: compute with Tensor operations and the numpy functions that match them (np.exp, "
            f"np.where, ...; see docs/higher_order.md), or use create_graph=False")


def notify_tracer(event, *details):
    """Tell the tracer of ``tinygrad_nn.compile``, if one runs in this thread, about ``event``.

    Events: ``"item()"``, ``"bool()"``, ``"float()"``, ``"int()"``, ``"index()"``,
    ``"tolist()"`` (a tensor's value read into Python: the tracer raises),
    ``"in-place"`` (details: the tensor, the op and the source written, or None; the tracer
    refuses a change of an argument, and a write of one),
    ``"compare"`` (details: the bool output, the ufunc, both operands: a mask
    the compiled code recomputes), ``"detach"`` (the new tensor and its
    source), ``"no_grad"``, ``"enable_grad"``, ``"scope"`` (a module entered), ``"random"`` and
    ``"backward"`` (a backward pass started: the tracer raises).
    Without a tracer it does nothing.
    """
    tracer = STATE.tracer
    if tracer is not None:
        tracer.notice(event, details)
