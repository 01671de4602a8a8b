"""What the docs say in prose, checked mechanically.

tests/test_docs.py runs every ``python`` block of README.md and docs/*.md;
this file checks the text around them: every relative link and ``#anchor``
resolves, every library name written in inline code (``tg.X``, ``nn.X``,
``F.X``, ...) exists, every exception or warning class of the library that a
page names can be found from what the page says, the public names of the
design contract exist with their documented parameters and a docstring, and
the examples the docs name exist.
"""

import builtins
import importlib
import inspect
import pathlib
import re

import numpy as np
import pytest

import tinygrad_nn as tg

ROOT = pathlib.Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCED = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)
HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def page_id(path):
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def prose(text):
    """The page without its fenced blocks (whose ``#`` lines are comments, not headings)."""
    return FENCED.sub("", text)


def inline_code(text):
    return re.findall(r"`([^`\n]+)`", prose(text))


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__", "", heading.strip().lower())
    text = re.sub(r"\]\([^)]*\)", "", text).replace("[", "")       # a link in a heading keeps its text
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text):
    """Every anchor a page defines; a repeated heading gets ``-1``, ``-2``, ... as on GitHub."""
    seen, found = {}, set()
    for match in HEADING.finditer(prose(text)):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path):
    """``(target, why)`` for each relative link of the page that does not resolve."""
    text = path.read_text()
    broken = []
    for target in LINK.findall(re.sub(r"`[^`\n]*`", "", prose(text))):
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target):      # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part) if file_part else path
        if not linked.exists():
            broken.append((target, f"no file {linked.relative_to(path.parent) if file_part else linked}"))
        elif anchor and (linked.is_dir() or linked.suffix != ".md" or anchor not in anchors(linked.read_text())):
            broken.append((target, f"no heading with the anchor #{anchor} in {file_part or path.name}"))
    return broken


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_and_anchor_resolves(page):
    assert not broken_links(page), f"{page_id(page)}: broken links {broken_links(page)}"


def test_the_link_check_sees_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## Write a `Function`: how\n")
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n```python\n# not a heading\n```\n\n"
                    "[ok](other.md#write-a-function-how) [ok](#title) [web](https://example.org/x#y) `[code](no.md)`\n"
                    "[gone](missing.md) [bad](other.md#write-a-function) [self](#not-a-heading)\n")
    assert [target for target, _ in broken_links(page)] == ["missing.md", "other.md#write-a-function",
                                                            "#not-a-heading"]


# --------------------------------------------------------- names in prose
NAMESPACES = {"tg": tg, "tinygrad_nn": tg, "nn": tg.nn, "F": tg.functional, "viz": tg.viz, "optim": tg.optim,
              "data": tg.data, "autograd": tg.autograd}
DOTTED = re.compile(r"(?<![\w.])((?:" + "|".join(NAMESPACES) + r")(?:\.[A-Za-z_]\w*)+)")


def resolves(dotted):
    """Whether ``tg.nn.init.fans`` (say) names an attribute or submodule of the package."""
    head, *rest = dotted.split(".")
    obj = NAMESPACES[head]
    for part in rest:
        if hasattr(obj, part):
            obj = getattr(obj, part)
        elif inspect.ismodule(obj):
            try:
                obj = importlib.import_module(f"{obj.__name__}.{part}")
            except ImportError:
                return False
        else:
            return False
    return True


def unknown_names(text):
    codes = inline_code(text)
    # `class F(tg.Function)` ... `F.apply(x)`: there F is the reader's own class, not tg.functional
    own = {name for code in codes for name in re.findall(r"\bclass\s+(\w+)", code)}
    return [name for code in codes for name in DOTTED.findall(code)
            if name.split(".")[0] not in own and not resolves(name)]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_library_name_in_inline_code_exists(page):
    assert not unknown_names(page.read_text()), f"{page_id(page)} names {unknown_names(page.read_text())}"


def test_the_name_check_sees_a_name_that_does_not_exist():
    text = "Use `tg.gradcheck(fn, x)`, `nn.init.fans(shape)`, `F.no_such_loss` and `tg.nn.Nope`."
    assert unknown_names(text) == ["F.no_such_loss", "tg.nn.Nope"]
    assert unknown_names("`class F(tg.Function)` with `F.apply(x)`") == []


def library_classes_named_nowhere(text):
    """Error and warning classes a page names bare, that neither ``tg.<name>`` nor the page's text locates."""
    qualified = set(re.findall(r"[\w.]+\.([A-Z]\w*(?:Error|Warning))\b", prose(text)))
    missing = []
    for code in inline_code(text):
        for name in re.findall(r"(?<![\w.])([A-Z]\w*(?:Error|Warning))\b", code):
            if hasattr(builtins, name) or hasattr(tg, name) or name in qualified:
                continue
            if name in {"JSONDecodeError", "BadZipFile"}:     # the standard library's, named as such
                continue
            missing.append(name)
    return sorted(set(missing))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_error_and_warning_class_a_page_names_can_be_found_from_it(page):
    missing = library_classes_named_nowhere(page.read_text())
    assert not missing, (f"{page_id(page)} names {missing} but never says where they live "
                         f"(write tinygrad_nn.<module>.<Name> once, or export them as tg.<Name>)")


def test_the_class_check_accepts_a_qualified_name_and_refuses_a_bare_one():
    assert library_classes_named_nowhere("`ValueError`, `tg.ShapeError`, `ShapeError`") == []
    assert library_classes_named_nowhere("a `viz.GraphTooLargeWarning`; later `GraphTooLargeWarning`") == []
    assert library_classes_named_nowhere("a `CompileWarning` says so") == ["CompileWarning"]


def test_the_warnings_the_docs_name_are_the_ones_raised():
    from tinygrad_nn.checks import GradcheckPrecisionWarning
    from tinygrad_nn.compiler import CompileWarning
    with pytest.warns(GradcheckPrecisionWarning):
        tg.gradcheck(lambda t: t.tanh(), (np.ones(3, dtype=np.float32),))
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    step = tg.compile(lambda x, scale: (x * w * scale).sum())
    with pytest.warns(CompileWarning, match="traced 8 times"):
        for scale in range(8):
            step(tg.ones(2), float(scale))
    assert issubclass(GradcheckPrecisionWarning, UserWarning) and issubclass(CompileWarning, UserWarning)


# ------------------------------------------------- the design's contract
CONTRACT = {   # name: the parameters the design documents, in order (a prefix of the real signature)
    "tg.Tensor": ["data", "requires_grad", "dtype", "name"],
    "tg.Tensor.backward": ["self", "grad", "retain_graph"],
    "tg.Tensor.leaky_relu": ["self", "negative_slope"],
    "tg.Tensor.sum": ["self", "axis", "keepdims"],
    "tg.Tensor.mean": ["self", "axis", "keepdims"],
    "tg.Tensor.max": ["self", "axis", "keepdims"],
    "tg.Tensor.min": ["self", "axis", "keepdims"],
    "tg.Tensor.softmax": ["self", "axis"],
    "tg.Tensor.log_softmax": ["self", "axis"],
    "tg.Tensor.retain_grad": ["self"],
    "tg.Tensor.numpy": ["self"], "tg.Tensor.item": ["self"], "tg.Tensor.detach": ["self"],
    "tg.maximum": ["a", "b"], "tg.minimum": ["a", "b"], "tg.where": ["condition", "a", "b"],
    "tg.concatenate": ["tensors", "axis"], "tg.stack": ["tensors", "axis"],
    "tg.no_grad": [], "tg.Function": [],
    "tg.gradcheck": ["fn", "inputs", "eps", "atol", "rtol", "raise_exception"],
    "tg.gradgradcheck": ["fn", "inputs", "grad_outputs"],
    "tg.GradcheckError": [],
    "nn.Module.__call__": [], "nn.Module.forward": [], "nn.Module.parameters": [],
    "nn.Module.named_parameters": [], "nn.Module.children": [], "nn.Module.named_children": [],
    "nn.Module.modules": [], "nn.Module.named_modules": [], "nn.Module.zero_grad": [], "nn.Module.train": [],
    "nn.Module.eval": [], "nn.Module.state_dict": [], "nn.Module.num_parameters": [],
    "nn.Module.load_state_dict": ["self", "state_dict", "strict"],
    "nn.Module.register_forward_hook": ["self"],
    "nn.Linear": ["in_features", "out_features", "bias"],
    "nn.Maxout": ["in_features", "out_features", "pieces"],
    "nn.LeakyReLU": ["negative_slope"], "nn.Dropout": ["p"], "nn.Sequential": ["modules"],
    "nn.MLP": ["sizes", "activation"], "nn.Sigmoid": [], "nn.Tanh": [], "nn.ReLU": [], "nn.Identity": [],
    "tg.save": ["state_dict", "path"], "tg.load": ["path"],
    "F.sigmoid": [], "F.tanh": [], "F.relu": [], "F.leaky_relu": [], "F.softmax": [], "F.log_softmax": [],
    "F.maxout": ["x", "pieces", "axis"], "F.cross_entropy": [], "F.binary_cross_entropy_with_logits": [],
    "F.hinge_loss": [], "F.multiclass_hinge_loss": ["scores", "labels", "delta"], "F.mse_loss": [],
    "F.l2_penalty": ["params"],
    "optim.SGD": ["params", "lr", "momentum"], "optim.Adam": ["params", "lr", "betas", "eps", "weight_decay"],
    "viz.draw_graph": ["tensor"], "viz.draw_module": ["module"], "viz.render": ["graph", "path"],
    "data.spiral": ["n_per_class", "n_classes", "seed"],
    "autograd.grad": ["outputs", "inputs", "grad_outputs", "retain_graph", "create_graph"],
    "autograd.jacobian": ["func", "inputs"], "autograd.hessian": ["func", "inputs"],
    "autograd.hvp": ["func", "inputs", "v"], "autograd.vjp": ["func", "inputs", "v"],
    "tg.compile": ["target"],
}


def lookup(dotted):
    head, *rest = dotted.split(".")
    obj = NAMESPACES[head]
    for part in rest:
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_each_public_name_of_the_design_exists_with_its_parameters_and_a_docstring(name):
    obj = lookup(name)
    assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    if CONTRACT[name]:
        parameters = list(inspect.signature(obj).parameters)
        assert parameters[:len(CONTRACT[name])] == CONTRACT[name], f"{name}{inspect.signature(obj)}"


def test_the_design_defaults_hold():
    assert inspect.signature(tg.Tensor.leaky_relu).parameters["negative_slope"].default == 0.01
    gradcheck = inspect.signature(tg.gradcheck).parameters
    assert (gradcheck["eps"].default, gradcheck["atol"].default, gradcheck["rtol"].default,
            gradcheck["raise_exception"].default) == (1e-6, 1e-5, 1e-3, True)
    assert inspect.signature(tg.nn.Maxout).parameters["pieces"].default == 2
    assert inspect.signature(tg.nn.Module.load_state_dict).parameters["strict"].default is True
    adam = inspect.signature(tg.optim.Adam).parameters
    assert (adam["lr"].default, adam["betas"].default, adam["eps"].default) == (1e-3, (0.9, 0.999), 1e-8)
    assert inspect.signature(tg.data.spiral).parameters["n_per_class"].default == 100
    assert inspect.signature(tg.functional.multiclass_hinge_loss).parameters["delta"].default == 1.0


def test_every_example_script_the_docs_name_exists():
    named = {name for page in PAGES for name in re.findall(r"examples/(\w+\.py)", page.read_text())}
    assert named, "the docs name no example"
    assert not sorted(name for name in named if not (ROOT / "examples" / name).is_file())


# ------------------------------------------------------------ single claims
def test_the_power_row_of_the_ops_table_states_every_exponent_case_at_zero():
    """``a ** b`` at ``a = 0``: the row used to say inf for every b < 1, which is wrong for b <= 0."""
    bs = np.array([-1.5, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
    a, b = tg.Tensor(np.zeros(7), requires_grad=True), tg.Tensor(bs, requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_array_equal(a.grad, [-np.inf, -np.inf, 0.0, np.inf, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(b.grad, [-np.inf, -np.inf, 0.0, 0.0, 0.0, 0.0, 0.0])
    row = next(line for line in (ROOT / "docs" / "ops.md").read_text().splitlines() if line.startswith("| power |"))
    for clause in ("0 where b = 0 or b > 1", "1 where b = 1", "inf where 0 < b < 1", "-inf where b < 0",
                   "d/db is 0 where b >= 0, -inf where b < 0"):
        assert clause in row, f"the power row does not say {clause!r}: {row}"


def test_the_count_of_the_errors_section_matches_the_classes_it_lists():
    text = (ROOT / "docs" / "reliability.md").read_text()
    sentence = re.search(r"(\w+) classes of the library say more:(.*?)only inside", text, re.S)
    listed = set(re.findall(r"`tg\.([A-Z]\w*)`", sentence.group(2)))
    words = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
    assert words[sentence.group(1).lower()] == len(listed), (sentence.group(1), sorted(listed))
    for name in listed:
        assert issubclass(getattr(tg, name), Exception)


def test_an_array_kept_on_ctx_is_refused_when_backward_reads_it_not_when_it_is_only_stored():
    """docs/custom_functions.md's rule for twice-differentiable Functions, as the engine applies it."""
    from tinygrad_nn import autograd

    def function(reads_cache):
        class Cached(tg.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.cache = {"twice": 2.0 * x}
                ctx.save_for_backward(x)
                return 2.0 * x

            @staticmethod
            def backward(ctx, grad):
                return grad * ctx.cache["twice"] if reads_cache else grad * 2.0
        return Cached

    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (slope,) = autograd.grad(function(False).apply(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(slope.data, [2.0, 2.0])
    with pytest.raises(tg.NotDifferentiableError, match=r"Cached\.backward used ctx\.cache\['twice'\]"):
        autograd.grad(function(True).apply(x).sum(), x, create_graph=True)
