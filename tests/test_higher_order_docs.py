"""docs/higher_order.md shows real outputs: each ``text`` block after a python block is what that block
printed (then ``Name: message`` when it raised), as for docs/gradcheck.md; tests/test_docs.py runs the
page's blocks too. The PyTorch snippet, when PyTorch is importable, gives the numbers tinygrad_nn gives."""

import pathlib

import numpy as np
import pytest

from test_gradcheck_docs import page_blocks, run_block, same_output

PAGE = pathlib.Path(__file__).parent.parent / "docs" / "higher_order.md"


def test_every_shown_output_is_the_real_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "docs_higher_order"}
    compared = 0
    for language, code, raises, skip, line, shown in page_blocks(PAGE.read_text()):
        if language != "python" or skip:
            continue
        printed, raised = run_block(code, line, namespace)
        if raised is not None:
            assert type(raised).__name__ == raises, f"the block at line {line} raised {raised!r}"
            printed += f"{type(raised).__name__}: {raised}\n"
        else:
            assert raises is None, f"the block at line {line} should raise {raises}"
        if shown is not None:
            compared += 1
            assert same_output(shown, printed), (f"the output shown after line {line} is not the real one:\n"
                                                 f"--- shown\n{shown}--- real\n{printed}")
    assert compared >= 9


def test_the_pytorch_gradient_penalty_gives_the_numbers_of_its_renamed_copy():
    torch = pytest.importorskip("torch")
    with_torch, renamed = [code for language, code, _, _, _, _ in page_blocks(PAGE.read_text())
                           if language == "python" and "torch.autograd.grad" in code]
    results = []
    for code in (with_torch, renamed):
        namespace = {}
        exec(code, namespace)
        results.append((namespace["penalty"].item(), np.asarray(namespace["w"].grad).ravel()))
    assert "import tinygrad_nn as torch" in renamed and torch.__name__ == "torch"
    (penalty_torch, grad_torch), (penalty_ours, grad_ours) = results
    assert penalty_ours == pytest.approx(penalty_torch, rel=1e-5)
    np.testing.assert_allclose(grad_ours, grad_torch, rtol=1e-5)
