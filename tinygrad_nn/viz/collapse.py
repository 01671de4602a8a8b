"""Which recorded tensors and ops are folded into one drawn node, and why.

Two kinds of folding keep big graphs readable:

* **depth**: every op made deeper than ``depth`` modules down is folded into
  one node per module at level ``depth + 1`` (with that module's private
  tensors: its parameters, scalar constants and internal results);
* **chains**: a long run of drawn steps (ops, or modules already folded) in
  which each result feeds only the next step keeps its first and last
  ``keep`` steps; the middle becomes one node that counts what it folded
  (``Mul x4997, Add x4997``, or ``Linear x98, ReLU x98``).
"""

from collections import Counter

__all__ = ["Group", "Plan", "plan_collapse"]


class Group:
    """One drawn node standing for several recorded ones."""

    def __init__(self, key, kind, chain, module_cluster=None):
        self.key = key
        self.kind = kind                    # "module" or "chain"
        self.chain = chain                  # the cluster keys it is drawn inside
        self.module_cluster = module_cluster
        self.op_names = Counter()
        self.members = Counter()            # chains: what each folded step was (op or module type)
        self.member_kinds = Counter()       # chains: how many steps were ops, how many modules
        self.module_cluster_object = None
        self.first_op = None

    @property
    def op_count(self):
        """How many recorded ops this node stands for."""
        return sum(self.op_names.values())


class Plan:
    """``group_of`` maps a recorded key (``t3``, ``op5``) to the Group that absorbs it."""

    def __init__(self, depth, chains_shortened):
        self.depth = depth
        self.chains_shortened = chains_shortened
        self.group_of = {}
        self.groups = []
        self._made = 0

    def new_group(self, kind, chain, module_cluster=None):
        """A new Group with a key unique in this plan (``g0``, ``g1``... in the order they are made)."""
        group = Group(f"g{self._made}", kind, chain, module_cluster)
        self._made += 1
        self.groups.append(group)
        return group

    def representative(self, key):
        """The drawn node key of a recorded key (itself, or its group)."""
        group = self.group_of.get(key)
        return key if group is None else group.key

    def visible_count(self, graph):
        """How many nodes the drawing will have."""
        return len(graph) - len(self.group_of) + len(self.groups)

    def _absorb(self, key, group):
        self.group_of[key] = group


def _is_private_leaf(entry, names):
    tensor = entry.tensor
    return entry.producer is None and (
        id(tensor) in names or (tensor.size == 1 and not tensor.requires_grad and tensor.name is None))


def _fold_depth(plan, graph, depth, names):
    by_cluster = {}
    for op in graph.ops:
        if len(op.clusters) <= depth:
            continue
        cluster = op.clusters[depth]
        group = by_cluster.get(cluster)
        if group is None:
            group = plan.new_group("module", op.clusters[:depth], cluster)
            group.module_cluster_object = op.node.scope[depth]
            group.first_op = op
            by_cluster[cluster] = group
        group.op_names[op.node.function.__name__] += 1
        plan._absorb(op.key, group)


def _absorb_tensors(plan, graph, names):
    for entry in graph.tensors:
        if entry.is_root or not entry.consumers:
            continue
        groups = {id(plan.group_of.get(op.key)) for op in entry.consumers}
        if len(groups) != 1:
            continue
        group = plan.group_of.get(entry.consumers[0].key)
        if group is None:
            continue
        if entry.producer is not None:
            if plan.group_of.get(entry.producer.key) is group:
                plan._absorb(entry.key, group)
        elif _is_private_leaf(entry, names):
            plan._absorb(entry.key, group)


class _Unit:
    """A node of the drawing that does work: one unfolded op or one folded module."""

    __slots__ = ("key", "ops", "group", "chain", "inputs", "outputs")

    def __init__(self, key, group, chain):
        self.key, self.group, self.chain = key, group, chain
        self.ops, self.inputs, self.outputs = [], [], []


def _units(plan, graph):
    """The drawn units in walk order, with the visible tensors each one consumes and produces."""
    units, unit_of = {}, {}
    for op in graph.ops:
        group = plan.group_of.get(op.key)
        key = op.key if group is None else group.key
        unit = units.get(key)
        if unit is None:
            unit = units[key] = _Unit(key, group, op.clusters if group is None else group.chain)
        unit.ops.append(op)
        unit_of[op.key] = unit
    for unit in units.values():
        for op in unit.ops:
            for entry in op.inputs:
                if entry.key not in plan.group_of and not (
                        entry.producer is not None and unit_of[entry.producer.key] is unit):
                    unit.inputs.append(entry)
            if op.output.key not in plan.group_of:
                unit.outputs.append(op.output)
    return list(units.values()), unit_of


def _next_in_chain(unit, unit_of, names):
    """The unit that alone consumes ``unit``'s one visible result, when the two belong in one chain."""
    if len(unit.outputs) != 1:
        return None
    out = unit.outputs[0]
    if out.is_root:
        return None
    consumers = {id(unit_of[op.key]) for op in out.consumers}
    if len(consumers) != 1:
        return None
    following = unit_of[out.consumers[0].key]
    if following is unit or following.chain != unit.chain:
        return None
    if sum(1 for entry in following.inputs if entry is out) != 1:
        return None
    for entry in following.inputs:
        if entry is not out and not (_is_private_leaf(entry, names) and
                                     {id(unit_of[op.key]) for op in entry.consumers} == {id(following)}):
            return None
    return following


def _member_name(unit):
    if unit.group is None:
        return unit.ops[0].node.function.__name__
    if unit.group.kind == "module":
        return type(unit.group.module_cluster_object).__name__
    return "chain"


def _fold_chains(plan, graph, names, keep):
    units, unit_of = _units(plan, graph)
    following_of, has_previous = {}, set()
    for unit in units:
        following = _next_in_chain(unit, unit_of, names)
        if following is not None:
            following_of[unit.key] = following
            has_previous.add(following.key)
    for unit in units:
        if unit.key in has_previous or unit.key not in following_of:
            continue
        run = [unit]
        while run[-1].key in following_of:
            run.append(following_of[run[-1].key])
        if len(run) <= 2 * keep + 1:
            continue
        middle = run[keep:len(run) - keep]
        chain = plan.new_group("chain", middle[0].chain)
        chain.first_op = middle[0].ops[0]
        replaced = set()
        for member in middle:
            chain.members[_member_name(member)] += 1
            chain.member_kinds["op" if member.group is None else "module"] += 1
            for op in member.ops:
                chain.op_names[op.node.function.__name__] += 1
                plan._absorb(op.key, chain)
            for entry in member.outputs + [e for e in member.inputs if e.producer is None]:
                plan._absorb(entry.key, chain)
            if member.group is not None:
                replaced.add(id(member.group))
        if replaced:
            for key, group in list(plan.group_of.items()):
                if id(group) in replaced:
                    plan.group_of[key] = chain
            plan.groups = [group for group in plan.groups if id(group) not in replaced]
        plan.chains_shortened = True


def plan_collapse(graph, names, depth=None, shorten_chains=False, keep=2):
    """The folding of ``graph`` for a module ``depth`` (None: no folding) and optional chain shortening."""
    plan = Plan(depth, False)
    if depth is not None:
        _fold_depth(plan, graph, depth, names)
        _absorb_tensors(plan, graph, names)
    if shorten_chains:
        _fold_chains(plan, graph, names, keep)
    return plan


def plan_within(graph, names, depth, max_nodes):
    """The least folding that draws at most ``max_nodes`` nodes, and whether it was reached.

    Tried in order, from the most detail to the least: the given ``depth``
    (None: every op), the same with long chains shortened, then (when no
    ``depth`` was given) one module level less, with and without chains,
    down to the whole model as one box.
    """
    if depth is not None:
        levels = [depth]
    else:
        deepest = max((len(op.clusters) for op in graph.ops), default=0)
        levels = [None] + list(range(deepest - 1, -1, -1))
    plan = None
    for level in levels:
        for shorten in (False, True):
            plan = plan_collapse(graph, names, level, shorten_chains=shorten)
            if max_nodes is None or plan.visible_count(graph) <= max_nodes:
                return plan, True
    return plan, False
