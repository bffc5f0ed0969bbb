"""Equations in a report: LaTeX becomes MathML, so they read well offline."""
from crm_analysis.reporting.math import render_math


def test_display_and_inline_math_become_mathml():
    out = render_math("<p>AVE $\\frac{1}{k}\\sum\\lambda_i^2$ and</p>\n<p>$$\\rho_C = \\frac{a}{b}$$</p>")
    assert "$" not in out and out.count("<math") == 2
    assert 'display="block"' in out and 'display="inline"' in out and "<mfrac>" in out


def test_amounts_code_and_entities_are_left_alone():
    text = "<p>revenue $1,234 and $5 today</p><pre>x = \"$a$\"</pre><code>$b$</code>"
    assert render_math(text) == text
    # nbconvert escapes < and & inside math; the converter gets the TeX back
    assert "<mo>&#x0003C;</mo>" in render_math("<p>$a &lt; b$</p>")


def test_chinese_text_inside_math():
    out = render_math("<p>$$\\text{指数} = 100$$</p>")
    assert "<mtext>指数</mtext>" in out
