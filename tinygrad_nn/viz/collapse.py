"""Which recorded tensors and ops are folded into one drawn node, and why.

Two kinds of folding keep big graphs readable:

* **depth**: every op made deeper than ``depth`` modules down is folded into
  one node per module at level ``depth + 1`` (with that module's private
  tensors: its parameters, scalar constants and internal results);
* **chains**: a long run of ops in which each result feeds only the next op
  keeps its first and last ``keep`` ops; the middle becomes one node that
  counts the folded ops by kind (``Mul x4997, Add x4997``).
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
            group = Group(f"g{len(plan.groups)}", "module", op.clusters[:depth], cluster)
            group.first_op = op
            by_cluster[cluster] = group
            plan.groups.append(group)
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


def _links_to_next(op, names, plan):
    """The op that is the only consumer of ``op``'s result when the two belong in one chain, else None."""
    out = op.output
    if out.is_root or len(out.consumers) != 1:
        return None
    following = out.consumers[0]
    if following.key in plan.group_of or following.clusters != op.clusters:
        return None
    if sum(1 for entry in following.inputs if entry is out) != 1:
        return None
    for entry in following.inputs:
        if entry is not out and not (_is_private_leaf(entry, names) and len(entry.consumers) == 1):
            return None
    return following


def _fold_chains(plan, graph, names, keep):
    following_of, has_previous = {}, set()
    for op in graph.ops:
        if op.key in plan.group_of:
            continue
        following = _links_to_next(op, names, plan)
        if following is not None:
            following_of[op.key] = following
            has_previous.add(following.key)
    for op in graph.ops:
        if op.key in plan.group_of or op.key in has_previous or op.key not in following_of:
            continue
        run = [op]
        while run[-1].key in following_of:
            run.append(following_of[run[-1].key])
        if len(run) <= 2 * keep + 1:
            continue
        middle = run[keep:len(run) - keep]
        group = Group(f"g{len(plan.groups)}", "chain", middle[0].clusters)
        group.first_op = middle[0]
        plan.groups.append(group)
        for folded in middle:
            group.op_names[folded.node.function.__name__] += 1
            plan._absorb(folded.key, group)
            plan._absorb(folded.output.key, group)
            for entry in folded.inputs:
                if entry.producer is None and entry.key not in plan.group_of:
                    plan._absorb(entry.key, group)
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

    With ``depth`` given, only chains may be shortened further; otherwise the
    module depth is lowered one level at a time, then chains are shortened.
    """
    plan = plan_collapse(graph, names, depth)
    if max_nodes is None or plan.visible_count(graph) <= max_nodes:
        return plan, True
    if depth is None:
        deepest = max((len(op.clusters) for op in graph.ops), default=0)
        for level in range(deepest - 1, -1, -1):
            plan = plan_collapse(graph, names, level)
            if plan.visible_count(graph) <= max_nodes:
                return plan, True
        depth = 0 if deepest else None
    plan = plan_collapse(graph, names, depth, shorten_chains=True)
    return plan, plan.visible_count(graph) <= max_nodes
