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
A parameter whose ``.grad`` is None is skipped. ``param_groups`` is a list
of dicts, one per group, holding ``"params"`` and the hyperparameters, so
``for group in optimizer.param_groups: group["lr"] *= 0.5`` changes the
learning rate. ``state_dict()`` is a flat ``{name: np.ndarray}`` dict that
``tg.save`` can write.
"""

import math

import numpy as np

from .engine import Tensor

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Base class: holds parameter groups and per-parameter state; subclasses write ``_update``.

    ``params`` is an iterable of Tensors (e.g. ``model.parameters()``) or of
    dicts ``{"params": [...], "lr": ...}`` whose entries override the
    defaults for that group.
    """

    STATE_FIELDS = ()   # names of the per-parameter state arrays

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors "
                            "(e.g. model.parameters()), got a single Tensor; wrap it in a list")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.param_groups = []
        self.state = {}   # id(param) -> {name: np.ndarray}
        seen = set()
        for group in groups:
            self._add_group(group, seen)

    def _add_group(self, group, seen):
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, got {group!r:.80}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for index, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"{name}: parameter {index} is a {type(param).__name__}, expected a Tensor")
            if not param.is_leaf:
                raise ValueError(f"{name}: parameter {index} (shape {param.shape}) was made by an op "
                                 f"({param.grad_fn.name}); only leaf tensors can be optimized")
            if id(param) in seen:
                raise ValueError(f"{name}: parameter {index} (shape {param.shape}) is listed more than once")
            seen.add(id(param))
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise TypeError(f"{name}: unknown hyperparameter(s) {sorted(unknown)} in a parameter group; "
                            f"known: {sorted(self.defaults)}")
        full = dict(self.defaults)
        full.update(group)
        full["params"] = params
        self._check_hyperparameters(full)
        self.param_groups.append(full)

    def _check_hyperparameters(self, group):
        """Raise ``ValueError`` naming the optimizer and the bad value."""
        name = type(self).__name__
        for key in ("lr", "weight_decay"):
            value = group[key]
            if not (isinstance(value, (int, float, np.number)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: {key} must be a finite number >= 0, got {value!r}")

    @property
    def params(self):
        """All parameters of all groups, in order (the order ``state_dict`` numbers them)."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's ``.grad`` (to None, or to zeros with ``set_to_none=False``)."""
        for param in self.params:
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad = np.zeros_like(param.grad)

    def step(self):
        """Update every parameter that has a gradient, in place."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if not param.data.flags.writeable:
                    param.data = param.data.copy()
                state = self.state.setdefault(id(param), {})
                self._update(param, param.grad, state, group)

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
            for key, value in group.items():
                if key != "params":
                    result[f"param_groups.{g}.{key}"] = np.array(value)
        for i, param in enumerate(self.params):
            for key, value in self.state.get(id(param), {}).items():
                result[f"state.{i}.{key}"] = np.array(value, copy=True)
        return result

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned (from this optimizer type, same parameter shapes)."""
        name = type(self).__name__
        params = self.params
        new_groups = [dict(group) for group in self.param_groups]
        new_state = {}
        for key, value in state_dict.items():
            parts = key.split(".")
            if len(parts) != 3 or parts[0] not in ("param_groups", "state") or not parts[1].isdigit():
                raise KeyError(f"{name}.load_state_dict: unexpected key {key!r} "
                               "(expected 'param_groups.<g>.<name>' or 'state.<i>.<name>')")
            kind, index, field = parts[0], int(parts[1]), parts[2]
            if kind == "param_groups":
                if index >= len(new_groups) or field not in self.defaults:
                    raise KeyError(f"{name}.load_state_dict: key {key!r} does not match this optimizer "
                                   f"({len(new_groups)} group(s), hyperparameters {sorted(self.defaults)})")
                default, value = self.defaults[field], np.asarray(value)
                if isinstance(default, tuple):
                    new_groups[index][field] = tuple(float(v) for v in value)
                else:
                    if value.size != 1:
                        raise ValueError(f"{name}.load_state_dict: {key!r} should hold one number, "
                                         f"got shape {value.shape}")
                    new_groups[index][field] = bool(value.item()) if isinstance(default, bool) else float(value.item())
            else:
                if index >= len(params):
                    raise KeyError(f"{name}.load_state_dict: key {key!r} names parameter {index}, "
                                   f"but this optimizer has {len(params)} parameters")
                if field not in self.STATE_FIELDS:
                    raise KeyError(f"{name}.load_state_dict: key {key!r} is not {name} state "
                                   f"(expected one of {list(self.STATE_FIELDS)})")
                value = np.asarray(value)
                param = params[index]
                if field == "step":
                    if value.size != 1:
                        raise ValueError(f"{name}.load_state_dict: {key!r} should hold one step count, "
                                         f"got shape {value.shape}")
                    value = value.reshape(())
                elif value.shape != param.shape:
                    raise ValueError(f"{name}.load_state_dict: {key!r} has shape {value.shape}, "
                                     f"but parameter {index} has shape {param.shape}")
                new_state.setdefault(id(param), {})[field] = value.astype(
                    np.int64 if field == "step" else param.dtype, copy=True)
        for group in new_groups:
            self._check_hyperparameters(group)
        self.param_groups = new_groups
        self.state = new_state

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
        momentum = group["momentum"]
        if not (isinstance(momentum, (int, float, np.number)) and math.isfinite(momentum) and momentum >= 0):
            raise ValueError(f"SGD: momentum must be a finite number >= 0, got {momentum!r}")
        if group["nesterov"] and momentum <= 0:
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

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        betas = tuple(group["betas"])
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        for index, beta in enumerate(betas):
            if not (isinstance(beta, (int, float, np.number)) and 0.0 <= beta < 1.0):
                raise ValueError(f"Adam: betas[{index}] must lie in [0, 1), got {beta!r}")
        eps = group["eps"]
        if not (isinstance(eps, (int, float, np.number)) and math.isfinite(eps) and eps >= 0):
            raise ValueError(f"Adam: eps must be a finite number >= 0, got {eps!r}")

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
