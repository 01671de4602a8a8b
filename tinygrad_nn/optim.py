"""Optimizers: ``SGD`` (momentum, Nesterov, weight decay) and ``Adam``.

The updates follow PyTorch's published formulas exactly (``torch.optim.SGD``
with ``dampening=0`` and ``torch.optim.Adam`` with ``amsgrad=False``), so a
PyTorch training loop reads the same here::

    optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()

Parameters are updated in place (``p.data`` keeps its array and dtype).
A parameter whose ``.grad`` is None is skipped; a ``.grad`` that is a Tensor
(after ``backward(create_graph=True)``) is read for its values only. ``param_groups`` is a list
of dicts, one per group, holding ``"params"`` and the hyperparameters, so
``for group in optimizer.param_groups: group["lr"] *= 0.5`` changes the
learning rate. ``state_dict()`` is a flat ``{name: np.ndarray}`` dict that
``tg.save`` can write.
"""

import math
import numbers
import re
from collections.abc import Mapping

import numpy as np

from .engine import Tensor
from .engine.methods.arguments import flag_argument
from .nn.module import zero_grads
from .state_values import StateDictError, cast_like, numeric_array

__all__ = ["Optimizer", "SGD", "Adam"]


_INDEX = re.compile(r"0|[1-9][0-9]*")  # how state_dict() writes an index: ASCII only, no leading zeros
_SET_HINT = "; a set has no fixed order (parameters are numbered in order in state_dict), use a list"


def _number(optimizer, key, value, below=None):
    """``value`` as a float if it is a finite real number >= 0 (and < ``below``); otherwise a clear error."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{optimizer}: {key} must be a number, got {value!r:.60} ({type(value).__name__})")
    try:
        number = float(value)
        shown = repr(number)
    except OverflowError:
        number, shown = math.inf, "an integer beyond the range of floats"
    if not (math.isfinite(number) and number >= 0 and (below is None or number < below)):
        wanted = "a finite number >= 0" if below is None else f"in [0, {below:g})"
        raise ValueError(f"{optimizer}: {key} must be {wanted}, got {shown}")
    return number


def _gradient_values(optimizer, param, data):
    """The values of ``param.grad`` as an ndarray, read-only use (the data of a Tensor gradient; no copy).

    Every optimizer reads gradients through this one helper, so a ``.grad``
    that ``backward(create_graph=True)`` left as a Tensor steps exactly as an
    array would (the ``.grad`` setter admits only these two). A gradient that
    no longer fits the parameter's ``data`` (replaced since) is a clear error
    naming the optimizer.
    """
    grad = param.grad
    values = grad.data if isinstance(grad, Tensor) else grad
    if values.shape != data.shape or values.dtype != data.dtype:
        raise ValueError(f"{type(optimizer).__name__}.step: a parameter of shape {data.shape} and dtype "
                         f"{data.dtype} has a .grad of shape {values.shape} and dtype {values.dtype} "
                         "(was its .data replaced after backward?); nothing was updated")
    return values


class Optimizer:
    """Base class: holds parameter groups and per-parameter state; subclasses write ``_update``.

    ``params`` is an iterable of Tensors (e.g. ``model.parameters()``) or of
    dicts ``{"params": [...], "lr": ...}`` whose entries override the
    defaults for that group.
    """

    STATE_FIELDS = ()              # names of the per-parameter state arrays
    NONNEGATIVE_STATE_FIELDS = ()  # those that can never hold negative values

    def __init__(self, params, defaults):
        name = type(self).__name__
        self.defaults = dict(defaults)
        self._check_hyperparameters(self.defaults)
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of Tensors "
                            "(e.g. model.parameters()), got a single Tensor; wrap it in a list")
        if isinstance(params, Mapping):
            raise TypeError(f"{name}: params must be an iterable of Tensors or of parameter-group dicts, "
                            f"got a {type(params).__name__}; wrap one parameter group in a list: [{{'params': ...}}]")
        if isinstance(params, (str, bytes, set, frozenset)):
            raise TypeError(f"{name}: params must be an iterable of Tensors (e.g. model.parameters()), "
                            f"got {type(params).__name__}" + _SET_HINT * isinstance(params, (set, frozenset)))
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"{name}: params must be an iterable of Tensors (e.g. model.parameters()), "
                            f"got {type(params).__name__}") from None
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        dicts = [isinstance(group, dict) for group in groups]
        if any(dicts) and not all(dicts):
            index = dicts.index(not dicts[0])
            raise TypeError(f"{name}: params mixes Tensors and parameter-group dicts (item 0 is a "
                            f"{type(groups[0]).__name__}, item {index} a {type(groups[index]).__name__}); "
                            "pass either Tensors or dicts {'params': [...], ...}")
        if not dicts[0]:
            groups = [{"params": groups}]
        self.param_groups = []
        self.state = {}   # id(param) -> {name: np.ndarray}
        seen = {}         # id(param) -> index of its group
        for group in groups:
            self._add_group(group, seen)

    def _add_group(self, group, seen):
        """Check one parameter group (its params and hyperparameters) and append it to ``param_groups``.

        ``seen`` maps ``id(param)`` to the group already holding it. Errors
        name the optimizer and the group: ``"SGD: param group 1: ..."``.
        """
        g = len(self.param_groups)
        where = f"{type(self).__name__}: param group {g}"
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{where}: a parameter group must be a dict with a 'params' entry, got {group!r:.80}")
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (str, bytes, set, frozenset, Mapping)):
            raise TypeError(f"{where}: 'params' must be a Tensor or a list of Tensors, got "
                            f"{type(params).__name__}" + _SET_HINT * isinstance(params, (set, frozenset)))
        else:
            try:
                params = list(params)
            except TypeError:
                raise TypeError(f"{where}: 'params' must be a Tensor or a list of Tensors, got "
                                f"{params!r:.60} ({type(params).__name__})") from None
        mine = {}
        for index, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"{where}: parameter {index} is a {type(param).__name__}, expected a Tensor")
            if not param.is_leaf:
                raise ValueError(f"{where}: parameter {index} (shape {param.shape}) was made by an op "
                                 f"({param.grad_fn.name}); only leaf tensors can be optimized")
            if id(param) in mine:
                raise ValueError(f"{where}: parameter {index} (shape {param.shape}) is listed more than once "
                                 f"(also as parameter {mine[id(param)]})")
            if id(param) in seen:
                raise ValueError(f"{where}: parameter {index} (shape {param.shape}) is listed more than once "
                                 f"(also in param group {seen[id(param)]})")
            mine[id(param)] = index
        unknown = [key for key in group if key != "params" and key not in self.defaults]
        if unknown:
            raise TypeError(f"{where}: unknown hyperparameter(s) {', '.join(map(repr, unknown))}; "
                            f"known: {sorted(self.defaults)}")
        full = dict(self.defaults)
        full.update(group)
        full["params"] = params
        try:
            self._check_hyperparameters(full)
        except (TypeError, ValueError) as error:
            text = str(error)
            prefix = f"{type(self).__name__}: "
            raise type(error)(f"{where}: {text[len(prefix):] if text.startswith(prefix) else text}") from None
        seen.update(dict.fromkeys(mine, g))
        self.param_groups.append(full)

    def _check_hyperparameters(self, group):
        """Check the hyperparameters in ``group`` and store them normalized (floats, pairs as tuples).

        Raises ``TypeError`` (not a number) or ``ValueError`` (out of range)
        naming the optimizer, the hyperparameter and the value.
        """
        name = type(self).__name__
        for key in ("lr", "weight_decay"):
            group[key] = _number(name, key, group[key])

    @property
    def params(self):
        """All parameters of all groups, in order (the order ``state_dict`` numbers them)."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's ``.grad``: to None, or with ``set_to_none=False`` to zeros, as in PyTorch.

        Zeros are written into the existing gradient array in place (so
        ``g = p.grad`` stays ``p.grad``); a Tensor gradient (left by
        ``backward(create_graph=True)``) is replaced by a zero array.
        """
        zero_grads(self.params, set_to_none, f"{type(self).__name__}.zero_grad")

    def step(self):
        """Update every parameter that has a gradient, in place; all or nothing.

        Only the gradient's values are read (an array, or the data of a
        Tensor gradient); ``.grad`` itself is never changed. Every gradient is
        checked before any parameter changes.
        """
        work = []
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    data = param.data
                    work.append((param, data, _gradient_values(self, param, data), group))
        for param, data, grad, group in work:
            if not data.flags.writeable:
                param.data = data.copy()
            state = self.state.setdefault(id(param), {})
            self._update(param, grad, state, group)

    def _update(self, param, grad, state, group):
        raise NotImplementedError

    # ------------------------------------------------------------ state
    def state_dict(self):
        """Hyperparameters and state as a flat dict of arrays, savable with ``tg.save``.

        Keys: ``param_groups.<g>.<hyperparameter>`` (0-d arrays; ``betas`` is a
        length-2 array) and ``state.<i>.<name>`` for parameter ``i`` in the
        order of ``params``. Arrays are copies.
        """
        result = {}
        for g, group in enumerate(self.param_groups):
            for key in self.defaults:
                result[f"param_groups.{g}.{key}"] = np.array(group[key])
        for i, param in enumerate(self.params):
            for key, value in self.state.get(id(param), {}).items():
                result[f"state.{i}.{key}"] = np.array(value, copy=True)
        return result

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned (same optimizer type, same parameter shapes); all or nothing.

        The dict must hold every hyperparameter of every group, and state
        only for existing parameters (every field of it, in the parameter's
        shape and dtype). Each value is checked and converted first; any
        problem raises one ``StateDictError`` naming every offending key and
        leaves the optimizer exactly as it was. Loading ``{}`` is such an
        error, never a silent reset. A parameter without state in the dict
        starts afresh, as one that was never stepped.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{name}.load_state_dict: expected the dict that state_dict() returns, "
                            f"got {type(state_dict).__name__}")
        params, groups, state, problems = self.params, [{} for _ in self.param_groups], {}, []
        parsed = {}  # (kind, index, field) -> the key that named it
        for key, value in state_dict.items():
            try:
                kind, index, field = self._parse_key(key, len(groups), len(params))
            except ValueError as error:
                problems.append(f"{key!r:.80}: {error}" if not isinstance(key, str) else f"{key}: {error}")
                continue
            if (kind, index, field) in parsed:
                problems.append(f"{key}: names the same entry as {parsed[kind, index, field]!r}")
                continue
            parsed[kind, index, field] = key
            target = groups[index] if kind == "param_groups" else state.setdefault(index, {})
            try:
                target[field] = self._converted(kind, field, value, params[index] if kind == "state" else None)
            except ValueError as error:
                problems.append(f"{key}: {error}")
                target[field] = None  # named above; not reported again as missing
        missing = [f"param_groups.{g}.{field}" for g, group in enumerate(groups)
                   for field in self.defaults if field not in group]
        if missing:
            problems.append("missing keys: " + ", ".join(missing))
        for index, fields in state.items():
            if set(fields) != set(self.STATE_FIELDS):
                problems.append(f"state.{index}: holds {sorted(fields)}, but {name} state needs all of "
                                f"{list(self.STATE_FIELDS)}")
        for g, group in enumerate(groups):
            if set(group) == set(self.defaults) and None not in group.values():
                try:
                    self._check_hyperparameters(group)
                except (TypeError, ValueError) as error:
                    problems.append(f"param_groups.{g}: {error}")
        if problems:
            raise StateDictError(f"{name}.load_state_dict failed, nothing was changed: " + " | ".join(problems))
        for group, loaded in zip(self.param_groups, groups):
            group.update(loaded)
        self.state = {id(params[index]): fields for index, fields in state.items()}

    def _parse_key(self, key, group_count, param_count):
        """``(kind, index, field)`` of a key ``param_groups.<g>.<name>`` or ``state.<i>.<name>`` that fits."""
        parts = key.split(".") if isinstance(key, str) else []
        if len(parts) != 3 or parts[0] not in ("param_groups", "state"):
            raise ValueError("unexpected key (expected 'param_groups.<g>.<name>' or 'state.<i>.<name>')")
        if not _INDEX.fullmatch(parts[1]):
            raise ValueError(f"the index {parts[1]!r} is not a plain decimal number (ASCII digits 0-9, "
                             "no sign, no leading zeros), as state_dict() writes it")
        kind, index, field = parts[0], int(parts[1]), parts[2]
        if kind == "param_groups" and (index >= group_count or field not in self.defaults):
            raise ValueError(f"does not match this optimizer ({group_count} group(s), hyperparameters "
                             f"{sorted(self.defaults)})")
        if kind == "state" and index >= param_count:
            raise ValueError(f"names parameter {index}, but this optimizer has {param_count} parameters")
        if kind == "state" and field not in self.STATE_FIELDS:
            raise ValueError(f"is not {type(self).__name__} state (expected one of {list(self.STATE_FIELDS)})")
        return kind, index, field

    def _converted(self, kind, field, value, param):
        """The value to store for one entry (hyperparameters are range-checked later); ``ValueError`` if bad.

        ``param`` is the parameter a state entry belongs to (None for hyperparameters).
        """
        array = numeric_array(value)
        if kind == "param_groups" and isinstance(self.defaults[field], tuple):
            count = len(self.defaults[field])
            if array.shape != (count,):
                raise ValueError(f"should hold {count} numbers, got shape {array.shape}")
            return tuple(item.item() for item in array)
        if kind == "param_groups":
            if array.size != 1:
                raise ValueError(f"should hold one number, got shape {array.shape}")
            return array.reshape(()).item()
        if field == "step":
            step = array.reshape(()).item() if array.size == 1 else None
            if isinstance(step, bool) or not isinstance(step, (int, float)) or not (
                    0 <= step <= 2**53 and float(step).is_integer()):
                raise ValueError(f"should hold one whole step count >= 0, got {array!r:.60}")
            return np.array(int(step), dtype=np.int64)
        converted = cast_like(array, param.dtype, param.shape)
        if field in self.NONNEGATIVE_STATE_FIELDS and (converted < 0).any():
            raise ValueError(f"holds negative values, but {field} is an average of squares (>= 0)")
        return converted

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for g, group in enumerate(self.param_groups):
            lines.append(f"  group {g}: {len(group['params'])} parameter(s)")
            lines.extend(f"    {key}: {value}" for key, value in group.items() if key != "params")
        return "\n".join(lines + [")"])


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's update (``dampening = 0``)::

        g = grad + weight_decay * p
        if momentum:  buf = g on the first step, else momentum * buf + g
                      g = g + momentum * buf  if nesterov  else  buf
        p = p - lr * g

    ``weight_decay`` here is the L2 gradient ``lambda * p`` (what
    ``0.5 * lambda * l2_penalty(params)`` in the loss would give).
    """

    STATE_FIELDS = ("momentum_buffer",)

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        group["momentum"] = momentum = _number("SGD", "momentum", group["momentum"])
        group["nesterov"] = nesterov = flag_argument(group["nesterov"], "nesterov", "SGD")
        if nesterov and momentum <= 0:
            raise ValueError(f"SGD: nesterov=True needs momentum > 0, got momentum={momentum}")

    def _update(self, param, grad, state, group):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param.data
        momentum = group["momentum"]
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buffer *= momentum
                buffer += grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param.data -= group["lr"] * grad


class Adam(Optimizer):
    """Adam, PyTorch's update (``amsgrad=False``), with step count ``t`` starting at 1::

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    ``weight_decay`` is added to the gradient (L2, as in ``torch.optim.Adam``),
    not decoupled as in AdamW.
    """

    STATE_FIELDS = ("step", "exp_avg", "exp_avg_sq")
    NONNEGATIVE_STATE_FIELDS = ("exp_avg_sq",)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        betas = group["betas"]
        if not (isinstance(betas, (tuple, list)) or isinstance(betas, np.ndarray) and betas.ndim == 1):
            raise TypeError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r:.60} ({type(betas).__name__})")
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {len(betas)} value(s): {betas!r:.60}")
        group["betas"] = tuple(_number("Adam", f"betas[{i}]", beta, below=1.0) for i, beta in enumerate(betas))
        group["eps"] = _number("Adam", "eps", group["eps"])

    def _update(self, param, grad, state, group):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param.data
        beta1, beta2 = group["betas"]
        if "step" not in state:
            state["step"] = np.array(0, dtype=np.int64)
            state["exp_avg"] = np.zeros_like(param.data)
            state["exp_avg_sq"] = np.zeros_like(param.data)
        state["step"] += 1
        step = int(state["step"])
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        step_size = group["lr"] / (1 - beta1 ** step)
        denominator = np.sqrt(exp_avg_sq) / math.sqrt(1 - beta2 ** step) + group["eps"]
        param.data -= step_size * (exp_avg / denominator)
