"""Learning-rate schedules, ``torch.optim.lr_scheduler``'s classes, arguments and values.

A scheduler changes ``group["lr"]`` of its optimizer's parameter groups;
call ``scheduler.step()`` once per epoch (or per batch, for a per-step
schedule), after ``optimizer.step()``::

    optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = tg.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, optimizer)
        scheduler.step()

Making a scheduler records each group's ``"initial_lr"`` (the base rate
``base_lrs``) and sets the rate of epoch 0. ``last_epoch`` counts the
``step()`` calls; ``get_last_lr()`` gives the rates now. The schedules are
PyTorch's, each computed from the rate the group has now (so two
schedulers on one optimizer multiply, as in PyTorch), except ``LambdaLR``,
which is ``base_lr * lr_lambda(epoch)``. ``ReduceLROnPlateau`` instead
watches a metric: ``scheduler.step(validation_loss)``.

``state_dict()`` is a dict of numbers and lists that ``tg.save`` writes and
``load_state_dict`` takes back (checked first: all or nothing), so a
checkpoint resumes the schedule where it stopped.
"""

import math
import numbers

from . import Optimizer
from ..state_values import StateDictError

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]


def _real(name, op, value, low=None, high=None, low_open=False):
    """``value`` as a finite float in the given range; a clear TypeError or ValueError naming ``op`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {value!r:.40} ({type(value).__name__})")
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    if not math.isfinite(value) or below or (high is not None and value > high):
        bounds = f"{'(' if low_open else '['}{low:g}, {high:g}]" if high is not None else (
            f"{'>' if low_open else '>='} {low:g}" if low is not None else "finite")
        raise ValueError(f"{op}: {name} must be {bounds}, got {value!r}")
    return value


def _count(name, op, value, minimum):
    """``value`` as an int >= ``minimum``; a clear error naming ``op`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{op}: {name} must be an int, got {value!r:.40} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be an int >= {minimum}, got {value}")
    return int(value)


class LRScheduler:
    """Base class: subclasses write ``get_lr()``, the rates of epoch ``last_epoch`` from the current ones.

    ``last_epoch=-1`` (the default) starts a new schedule: each group's
    ``"initial_lr"`` is set to its ``lr`` (unless already there) and becomes
    its base rate. A ``last_epoch >= 0`` resumes one, from the
    ``"initial_lr"`` the groups must already hold.
    """

    def __init__(self, optimizer, last_epoch=-1):
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected a tinygrad_nn optimizer (tg.optim.SGD, Adam, ...), got "
                            f"{type(optimizer).__name__}")
        last_epoch = _count("last_epoch", name, last_epoch, -1)
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            missing = [index for index, group in enumerate(groups) if "initial_lr" not in group]
            if missing:
                raise KeyError(f"{name}: resuming at last_epoch={last_epoch} needs 'initial_lr' in every "
                               f"param group (set by the scheduler that started the schedule), missing in "
                               f"group(s) {missing}; load the optimizer's state first, or start with last_epoch=-1")
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._initial = True  # the rate of epoch 0 is set by the constructor's own step
        self.step()
        self._initial = False

    def get_lr(self):
        """The rate of each group for epoch ``last_epoch`` (a list)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def _current(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        """Advance the schedule by one epoch and set each group's ``lr``."""
        self._step_count += 1
        self.last_epoch += 1
        values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current()

    def get_last_lr(self):
        """The rates the last ``step()`` (or the constructor) set, one per group."""
        return list(self._last_lr)

    # ------------------------------------------------------------ state
    def state_dict(self):
        """Everything but the optimizer, as numbers and lists (``tg.save`` writes it)."""
        return {key: (list(value) if isinstance(value, list) else value) for key, value in vars(self).items()
                if key not in ("optimizer", "_initial") and not callable(value)
                and not (isinstance(value, list) and any(callable(item) for item in value))}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned; every entry is checked first (all or nothing)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name}.load_state_dict: expected the dict that state_dict() returns, got "
                            f"{type(state_dict).__name__}")
        mine = self.state_dict()
        problems = [f"unexpected key {key!r:.40}" for key in state_dict if key not in mine]
        problems += [f"missing key {key!r}" for key in mine if key not in state_dict]
        for key, value in state_dict.items():
            if key in mine and not _same_kind(mine[key], value):
                problems.append(f"{key}: expected {_kind(mine[key])}, got {value!r:.60}")
        if problems:
            raise StateDictError(f"{name}.load_state_dict failed, nothing was changed: " + " | ".join(problems))
        for key, value in state_dict.items():
            setattr(self, key, list(value) if isinstance(value, (list, tuple)) else value)

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self.get_last_lr()})"


def _kind(value):
    if isinstance(value, list):
        return f"a list of {len(value)} numbers"
    if isinstance(value, str) or value is None:
        return repr(value) if value is None else "a str"
    return "an int" if isinstance(value, int) else "a number"


def _same_kind(reference, value):
    """Whether a loaded ``value`` fits where ``reference`` (this scheduler's own entry) is."""
    if isinstance(reference, list):
        return isinstance(value, (list, tuple)) and len(value) == len(reference) and all(
            isinstance(item, numbers.Real) and not isinstance(item, bool) for item in value)
    if isinstance(reference, bool):
        return isinstance(value, bool)
    if isinstance(reference, str):
        return isinstance(value, str)
    if reference is None:
        return value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool))
    if isinstance(reference, numbers.Integral):
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _lambdas(lr_lambda, optimizer, op):
    """One callable per param group: ``lr_lambda`` itself for every group, or a list of one per group."""
    groups = len(getattr(optimizer, "param_groups", ()))
    lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
    if isinstance(lr_lambda, (list, tuple)) and len(lambdas) != groups:
        raise ValueError(f"{op}: expected {groups} lr_lambdas (one per param group), got {len(lambdas)}")
    for function in lambdas:
        if not callable(function):
            raise TypeError(f"{op}: lr_lambda must be a function of the epoch, got {type(function).__name__}")
    return lambdas


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(epoch)``; ``lr_lambda`` is one function, or a list with one per group.

    The functions are not part of ``state_dict`` (as in PyTorch): make the
    scheduler with them again before loading.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas(lr_lambda, optimizer, "LambdaLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * _real("lr_lambda(epoch)", "LambdaLR", function(self.last_epoch))
                for function, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(LRScheduler):
    """``lr = lr * lr_lambda(epoch)`` at every step after the first: the factors multiply up."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas(lr_lambda, optimizer, "MultiplicativeLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._initial:
            return self._current()
        return [lr * _real("lr_lambda(epoch)", "MultiplicativeLR", function(self.last_epoch))
                for function, lr in zip(self.lr_lambdas, self._current())]


class StepLR(LRScheduler):
    """``lr = base_lr * gamma ** (epoch // step_size)``: multiplied by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _count("step_size", "StepLR", step_size, 1)
        self.gamma = _real("gamma", "StepLR", gamma, low=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class MultiStepLR(LRScheduler):
    """``lr`` multiplied by ``gamma`` at each epoch in ``milestones`` (a milestone listed twice: ``gamma**2``)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        try:
            given = list(milestones)
        except TypeError:
            raise TypeError(f"MultiStepLR: milestones must be a list of epochs, got {type(milestones).__name__}") \
                from None
        self.milestones = sorted(_count("each milestone", "MultiStepLR", epoch, 0) for epoch in given)
        self.gamma = _real("gamma", "MultiStepLR", gamma, low=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        times = self.milestones.count(self.last_epoch)
        if not times:
            return self._current()
        return [lr * self.gamma ** times for lr in self._current()]


class ConstantLR(LRScheduler):
    """``lr = base_lr * factor`` for the first ``total_iters`` epochs, then ``base_lr`` (a warm-up at a fixed rate)."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        self.factor = _real("factor", "ConstantLR", factor, low=0, high=1.0, low_open=True)
        self.total_iters = _count("total_iters", "ConstantLR", total_iters, 0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current()]
        if self.last_epoch != self.total_iters:
            return self._current()
        return [lr * (1.0 / self.factor) for lr in self._current()]


class LinearLR(LRScheduler):
    """``lr`` from ``base_lr * start_factor`` to ``base_lr * end_factor`` in a straight line over ``total_iters``."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        self.start_factor = _real("start_factor", "LinearLR", start_factor, low=0, high=1.0, low_open=True)
        self.end_factor = _real("end_factor", "LinearLR", end_factor, low=0, high=1.0)
        self.total_iters = _count("total_iters", "LinearLR", total_iters, 1)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current()]
        if self._initial or self.last_epoch > self.total_iters:
            return self._current()
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * ratio for lr in self._current()]


class ExponentialLR(LRScheduler):
    """``lr = base_lr * gamma ** epoch``: multiplied by ``gamma`` every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _real("gamma", "ExponentialLR", gamma, low=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class PolynomialLR(LRScheduler):
    """``lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power``: down to 0 at ``total_iters``."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = _count("total_iters", "PolynomialLR", total_iters, 1)
        self.power = _real("power", "PolynomialLR", power, low=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._initial or self.last_epoch > self.total_iters:
            return self._current()
        decay = ((1.0 - self.last_epoch / self.total_iters)
                 / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [lr * decay for lr in self._current()]


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``: half a cosine over ``T_max``.

    After ``T_max`` epochs it climbs back up, as PyTorch's does (a period of
    ``2 * T_max``).
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):  # noqa: N803 - PyTorch's argument name
        self.T_max = _count("T_max", "CosineAnnealingLR", T_max, 1)
        self.eta_min = _real("eta_min", "CosineAnnealingLR", eta_min, low=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        epoch, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._initial:
            return self._current()
        if self._step_count == 1 and epoch > 0:  # resumed: the closed form
            return [low + (base - low) * (1 + math.cos(epoch * math.pi / period)) / 2 for base in self.base_lrs]
        if (epoch - 1 - period) % (2 * period) == 0:  # the turn at the bottom
            return [lr + (base - low) * (1 - math.cos(math.pi / period)) / 2
                    for base, lr in zip(self.base_lrs, self._current())]
        ratio = (1 + math.cos(math.pi * epoch / period)) / (1 + math.cos(math.pi * (epoch - 1) / period))
        return [ratio * (lr - low) + low for lr in self._current()]


class ReduceLROnPlateau:
    """Multiply ``lr`` by ``factor`` when a watched metric stops improving: ``scheduler.step(val_loss)``.

    The metric improves when it beats the best so far by more than
    ``threshold`` (relative, ``threshold_mode="rel"``: below ``best * (1 -
    threshold)`` in ``mode="min"``; or absolute, ``"abs"``). After more
    than ``patience`` epochs without improvement each group's rate becomes
    ``max(lr * factor, min_lr)`` (changes smaller than ``eps`` are skipped),
    then ``cooldown`` epochs pass before counting again. PyTorch's arguments
    and defaults.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        op = "ReduceLROnPlateau"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{op}: expected a tinygrad_nn optimizer (tg.optim.SGD, Adam, ...), got "
                            f"{type(optimizer).__name__}")
        if mode not in ("min", "max"):
            raise ValueError(f"{op}: mode must be 'min' or 'max', got {mode!r:.40}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{op}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r:.40}")
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != groups:
                raise ValueError(f"{op}: expected {groups} min_lr values (one per param group), got {len(min_lr)}")
            self.min_lrs = [_real("min_lr", op, value, low=0) for value in min_lr]
        else:
            self.min_lrs = [_real("min_lr", op, min_lr, low=0)] * groups
        self.optimizer = optimizer
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = _real("factor", op, factor, low=0)
        if self.factor >= 1:
            raise ValueError(f"{op}: factor must be < 1 (it multiplies the rate), got {self.factor}")
        self.patience = _count("patience", op, patience, 0)
        self.threshold = _real("threshold", op, threshold, low=0)
        self.cooldown = _count("cooldown", op, cooldown, 0)
        self.eps = _real("eps", op, eps, low=0)
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, value):
        if self.mode == "min":
            return value < (self.best * (1 - self.threshold) if self.threshold_mode == "rel"
                            else self.best - self.threshold)
        return value > (self.best * (1 + self.threshold) if self.threshold_mode == "rel"
                        else self.best + self.threshold)

    def step(self, metrics):
        """Record this epoch's metric (a number or a one-element Tensor); lower the rates after a plateau."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step: metrics must be a number (the validation loss, say), got "
                            f"{metrics!r:.40} ({type(metrics).__name__})") from None
        except OverflowError:
            raise ValueError(f"ReduceLROnPlateau.step: metrics {metrics!r:.40} is too large for a float") from None
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, low in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(float(group["lr"]) * self.factor, low)
                if float(group["lr"]) - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    @property
    def in_cooldown(self):
        """Whether the epochs after a reduction, in which nothing counts, are still running."""
        return self.cooldown_counter > 0

    def get_last_lr(self):
        """The current rates, one per group."""
        return list(self._last_lr)

    state_dict = LRScheduler.state_dict
    load_state_dict = LRScheduler.load_state_dict
    __repr__ = LRScheduler.__repr__
