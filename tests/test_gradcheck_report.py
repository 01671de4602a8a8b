"""What a gradient check shows: the text report and error message name the input, the element, both
values and the band; numbers are written plainly; Jupyter gets an HTML table that parses, with the
verdicts coloured and every text escaped."""

import re

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import testing
from tinygrad_nn.checks.formatting import format_number
from tinygrad_nn.checks.html import FAIL_COLOUR, PASS_COLOUR
from faulty_functions import MissingTermSwish
from parsed_html import ParsedHTML


def test_the_report_names_input_element_values_and_band():
    x = np.array([0.0, -25.0, 30.0, 3.0])
    with pytest.raises(tg.GradcheckError) as caught:
        tg.gradcheck(MissingTermSwish, (x,))
    message = str(caught.value)
    assert "MissingTermSwish" in message and "input 0 (4,)" in message and "element (3,)" in message
    assert "analytic" in message and "numerical" in message and "wrong" in message
    assert isinstance(caught.value, AssertionError) and isinstance(caught.value, RuntimeError)
    text = str(caught.value.result)
    assert "FAILED" in text and "max abs error" in text and "max rel error" in text


def test_a_passing_result_is_truthy_and_prints_the_worst_element():
    result = tg.gradcheck(lambda t: t.tanh(), (np.linspace(-2, 2, 5),))
    assert result and result.passed
    report = result.inputs[0]
    assert report.index is not None and report.band == "excellent"
    assert "passed" in str(result) and "passed" in repr(result)


def test_the_band_line_says_what_is_set_aside_in_words():
    text = str(tg.gradcheck(lambda t: t.tanh(), (np.linspace(-2, 2, 5),)))
    assert re.search(r"max rel error \S+ \(after allowing for the finite difference's own inaccuracy\) "
                     r"-> excellent", text)
    assert "beyond rounding noise" not in text


def test_the_ipython_text_display_is_the_full_report():
    class Printer:
        def __init__(self):
            self.shown = ""

        def text(self, text):
            self.shown += text

    printer = Printer()
    result = tg.gradcheck(lambda t: t.tanh(), (np.ones(3),))
    result._repr_pretty_(printer, False)
    assert printer.shown == str(result) and "worst element" in printer.shown


@pytest.mark.parametrize("value, written", [(np.float64(-2.0), "-2.0"), (np.float32(0.1), "0.1"),
                                            (-2.0, "-2.0"), (1e-7, "1e-07"), (np.int64(3), "3"),
                                            (np.float64(np.inf), "inf")])
def test_numbers_are_written_as_users_write_them(value, written):
    assert format_number(value) == written


def test_messages_show_plain_numbers():
    # -x declared increasing: the message quotes two points of the function
    problems = testing.activation_failures(lambda t: -t, np.array([-2.0, 1.0]), monotone="increasing")
    assert any("f(-2.0) = 2.0 and f(1.0) = -1.0" in problem for problem in problems)
    problems = testing.activation_failures(lambda t: (t * 1e300).exp(), np.array([-2.0, 1.0]))
    assert any("output is not finite at element (1,): x = 1.0, value inf" in problem for problem in problems)
    assert not any("np.float64" in problem for problem in problems)
    with pytest.raises(TypeError, match=r"input 1 is the int64 2;"):
        tg.gradcheck(lambda t, k: t * float(k), (np.ones(2), np.int64(2)), wrt=1)


# ------------------------------------------------------------------ Jupyter

def test_a_passing_result_shows_as_an_html_table_with_a_green_verdict():
    result = tg.gradcheck(lambda t: t.relu(), (np.array([-1.0, 0.0, 2.0]),), nudge=True)
    markup = result._repr_html_()
    parsed = ParsedHTML(markup)
    assert "<lambda>: passed" in parsed.text and "<lambda>" not in markup     # escaped
    report = result.inputs[0]
    for shown in ("passed", "ok", "(2,)", "element by element", "excellent", "not differentiable here",
                  "re-checked at a nudged point"):
        assert shown in parsed.text
    assert f"{report.analytic:.6g}" in parsed.text and f"{report.numerical:.6g}" in parsed.text
    assert any(tag == "span" and PASS_COLOUR in style for tag, style in parsed.styles)
    assert not any(FAIL_COLOUR in style for _, style in parsed.styles)


def test_a_failing_result_shows_the_wrong_element_in_red():
    x = np.array([0.0, -25.0, 30.0, 3.0])
    result = tg.gradcheck(MissingTermSwish, (x,), raise_exception=False)
    parsed = ParsedHTML(result._repr_html_())
    assert "FAILED" in parsed.text and "(3,)" in parsed.text and "wrong" in parsed.text
    assert "1 of 4 elements differ beyond tolerance" in parsed.text
    assert result.message() in parsed.text
    assert any(tag == "span" and FAIL_COLOUR in style for tag, style in parsed.styles)


def test_html_escapes_every_text_and_plain_repr_stays_as_it_was():
    class Sneaky(tg.Function):
        """A Function whose name and problems contain markup."""

        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return None

    Sneaky.__qualname__ = Sneaky.__name__ = "<b>Sneaky</b>&"
    result = tg.gradcheck(Sneaky, (np.ones(2),), raise_exception=False)
    markup = result._repr_html_()
    assert "<b>Sneaky" not in markup and "&lt;b&gt;Sneaky&lt;/b&gt;&amp;" in markup
    assert "<b>Sneaky</b>&.backward returned None" in ParsedHTML(markup).text
    assert repr(result).startswith("<GradcheckResult FAILED: <b>Sneaky</b>&")
