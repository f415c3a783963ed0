"""symchain verify: the seed's formulas hold; wrong variants fail with counterexample, diagnosis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from click.testing import CliRunner
from conftest import evaluate, random_point

from symchain import naming
from symchain.cli import cli
from symchain.network import Network
from symchain.verify import Checker, check, parse_claim
from symchain.verify.check import EXPANDED_TERM_LIMIT, expanded_terms, variants
from symchain.verify.documents import latex_equations, markdown_equations
from symchain.verify.ground import Ground
from symchain.verify.ground import evaluate as ground_evaluate
from symchain.verify.syntax import ClaimSyntaxError

W_L = r"\frac{\partial C_0}{\partial w^{(L)}}"
B_L = r"\frac{\partial C_0}{\partial b^{(L)}}"
A_L1 = r"\frac{\partial C_0}{\partial a^{(L-1)}}"
SEED_W = W_L + r" = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"
SEED_B = B_L + r" = 1 \cdot \sigma'(z^{(L)}) 2(a^{(L)}-y)"
SEED_A = A_L1 + r" = w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args])
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> tuple[int, list[dict]]:
    code, out, err = run(*args, "--format", "json")
    assert err == "", err
    return code, json.loads(out)


# The seed's formulas --------------------------------------------------------------------------
HOLDING = [
    SEED_W,
    SEED_B,
    B_L + r" = 1 \times \sigma'(z^{(L)}) 2(a^{(L)}-y)",
    SEED_A,
    # The seed's own spelling: the ∂ of the denominator is missing.
    r"\frac{\partial C_0}{w^{(L)}} = a^{(L-1)}\sigma^{\prime }(z^{(L)})2 (a^{(L)} - y)",
    # The Leibniz chain form (the seed's, with its missing ∂s).
    r"\frac{\partial C_0}{w^{(L)}} = \frac{\partial z^{(L)}}{w^{(L)}}"
    r"\frac{\partial a^{(L)}}{\partial z^{(L)}}\frac{\partial C_0}{a ^{(L)}}",
    # Chained equality: every link checked.
    W_L + r" = \frac{\partial z^{(L)}}{\partial w^{(L)}} \frac{\partial a^{(L)}}{\partial z^{(L)}}"
    r" \frac{\partial C_0}{\partial a^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) \cdot 2(a^{(L)} - y)",
    r"\partial C_0 / \partial w^{(L)} = a^{(L-1)} \cdot \sigma'(z^{(L)}) \cdot 2 (a^{(L)} - y)",
    W_L + r" = 2 a^{(L-1)} \sigma(z^{(L)}) (1 - \sigma(z^{(L)})) \left(a^{(L)} - y\right)",
    W_L + r" = a^{(L-1)} a^{(L)} (1 - a^{(L)}) 2 (a^{(L)} - y)",
    r"\frac{\partial a^{(L)}}{\partial z^{(L)}} = \frac{e^{-z^{(L)}}}{(1 + e^{-z^{(L)}})^2}",
    r"\frac{\partial a^{(L)}}{\partial z^{(L)}} = \frac{\exp(-z^{(L)})}{(1 + \exp(-z^{(L)}))^{2}}",
    r"\frac{\partial z^{(L)}}{\partial w^{(L)}} = a^{(L-1)}",
    r"\frac{\partial z^{(L)}}{\partial a^{(L-1)}} = w^{(L)}",
    r"\frac{\partial C_0}{\partial z^{(L)}} = \sigma'(z^{(L)}) 2(a^{(L)} - y)",
    r"\delta^{(L)} = \sigma'(z^{(L)}) 2(a^{(L)} - y)",
    r"\frac{\partial C_0}{\partial b^{(L-1)}} = \sigma'(z^{(L-1)}) w^{(L)} \delta^{(L)}",
    # Absolute labels; a^{(0)} and x both mean the input.
    r"\frac{\partial C_0}{\partial w^{(1)}} = a^{(0)} \sigma'(z^{(1)}) "
    r"\frac{\partial C_0}{\partial a^{(1)}}",
    r"\frac{\partial C_0}{\partial w^{(1)}} = x \sigma'(z^{(1)}) w^{(2)} \sigma'(z^{(2)}) w^{(3)}"
    r" \sigma'(z^{(3)}) 2 (a^{(3)} - y)",
    r"\frac{\partial C_0}{\partial a^{(L)}} = 2(a^{(L)} - y)",
    r"\frac{\partial C_0}{\partial a^{(L)}} = \ln(e^{2(a^{(L)} - y)})",
    # The batch average.
    r"\frac{\partial C}{w^{(L)}} = \frac{1}{n} \sum_{k=0}^{n-1} \frac{\partial C_k}{w^{(L)}}",
    r"\frac{\partial C}{\partial w^{(L)}} = \frac{1}{n} \sum_{i=0}^{n-1} a^{(L-1)[i]} "
    r"\sigma'(z^{(L)[i]}) 2 (a^{(L)[i]} - y^{[i]})",
]


@pytest.mark.parametrize("claim", HOLDING)
def test_true_claims_hold(claim: str) -> None:
    code, out, err = run(claim)
    assert code == 0, out + err
    assert "holds" in out


def test_seed_formulas_hold_together_with_symbolic_method() -> None:
    code, report = run_json(SEED_W, SEED_B, SEED_A)
    assert code == 0
    assert [r["verdict"] for r in report] == ["holds"] * 3
    assert all(r["method"] == "symbolic" for r in report)
    assert all(r["counterexample"] is None for r in report)


# Wrong variants -------------------------------------------------------------------------------
def failing(claim: str, *options: str) -> dict:
    code, report = run_json(*options, claim)
    assert code == 1, report
    (result,) = report
    assert result["verdict"] == "fails"
    assert result["method"].startswith("numeric")
    counterexample = result["counterexample"]
    assert counterexample is not None
    assert abs(counterexample["left"] - counterexample["right"]) > 1e-6
    return result


def test_missing_factor_is_named() -> None:
    result = failing(W_L + r" = a^{(L-1)} 2(a^{(L)} - y)")
    assert any("\\sigma'(z^{(L)}) is missing" in d for d in result["diagnosis"])
    assert result["expected"] == r"a^{(L-1)} \sigma'(z^{(L)}) \cdot 2 \left(a^{(L)} - y\right)"


def test_wrong_sign_is_recognised() -> None:
    result = failing(W_L + r" = -a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)")
    assert "sign flipped: your right side = true × (-1)" in result["diagnosis"]


def test_y_minus_a_is_a_sign_slip_in_the_loss_factor() -> None:
    result = failing(W_L + r" = a^{(L-1)} \sigma'(z^{(L)}) 2(y - a^{(L)})")
    assert "sign flipped: your right side = true × (-1)" in result["diagnosis"]
    assert any(
        "wrong sign" in d and "\\frac{\\partial C_0}{\\partial a^{(L)}}" in d
        for d in result["diagnosis"]
    )


def test_wrong_layer_label_is_off_by_one() -> None:
    result = failing(W_L + r" = a^{(L-2)} \sigma'(z^{(L)}) 2(a^{(L)} - y)")
    assert any("layer label off by one" in d and "a^{(L-1)}" in d for d in result["diagnosis"])


def test_layer_label_off_by_one_on_the_left() -> None:
    claim = r"\frac{\partial C_0}{\partial w^{(L-1)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"
    result = failing(claim)
    assert any("layer label off by one" in d for d in result["diagnosis"])


def test_half_from_the_loss_convention() -> None:
    result = failing(W_L + r" = a^{(L-1)} \sigma'(z^{(L)}) (a^{(L)} - y)")
    assert any(d.startswith("your right side = true × 1/2") for d in result["diagnosis"])


def test_sum_instead_of_mean_over_the_batch() -> None:
    claim = (
        r"\frac{\partial C}{\partial w^{(L)}} = "
        r"\sum_{i=0}^{n-1} \frac{\partial C_i}{\partial w^{(L)}}"
    )
    result = failing(claim)
    assert any("true × n" in d for d in result["diagnosis"])
    assert result["counterexample"]["batch size n"] == 3


def test_counterexample_is_shrunk_to_simple_values() -> None:
    result = failing(W_L + r" = a^{(L-1)} 2(a^{(L)} - y)")
    values = result["counterexample"]["values"]
    assert set(values) == {
        "w^{(L-2)}", "b^{(L-2)}", "w^{(L-1)}", "b^{(L-1)}", "w^{(L)}", "b^{(L)}", "x", "y"
    }  # fmt: skip
    assert all(v in (0.0, 1.0, -1.0, 0.5) for v in values.values())
    # The values reproduce the two sides: at all zeros a = 1/2, σ' = 1/4, 2(a - y) = 1.
    assert result["counterexample"]["left"] == pytest.approx(0.5 * 0.25 * 1.0)
    assert result["counterexample"]["right"] == pytest.approx(0.5 * 1.0)


def test_extra_sum_over_j_on_2_3_2() -> None:
    claim = (
        r"\frac{\partial C_0}{w^{(L)}_{jk}} = \sum_{j=0}^{n_L - 1} \frac{\partial z^{(L)}_j}"
        r"{w^{(L)}_{jk}}\frac{\partial a^{(L)}_j}{\partial z^{(L)}_j}"
        r"\frac{\partial C_0}{a ^{(L)}_j}"
    )
    result = failing(claim, "--layers", "2,3,2")
    assert (
        "the sum over j does not belong: w_{jk}^{(L)} influences only z_j^{(L)}, "
        "the one neuron it feeds" in result["diagnosis"]
    )
    counterexample = result["counterexample"]
    assert set(counterexample["indices"]) == {"j", "k"}
    # Shrunk to the smallest network that still shows the slip (n_L = 1 hides it).
    assert counterexample["network"] == "2-2-2"


def test_extra_sum_without_limits_on_the_given_network() -> None:
    claim = (
        r"\frac{\partial C_0}{\partial w_{jk}^{(L)}} = \sum_j a_k^{(L-1)} \sigma'(z_j^{(L)}) "
        r"2(a_j^{(L)} - y_j)"
    )
    result = failing(claim, "--layers", "2,3,2")
    assert any(d.startswith("the sum over j does not belong") for d in result["diagnosis"])
    assert result["counterexample"]["network"] == "2-3-2"


def test_missing_sum_in_activation_derivative() -> None:
    claim = (
        r"\frac{\partial C_0}{\partial a_k^{(L-1)}} = w_{jk}^{(L)} \sigma'(z_j^{(L)}) "
        r"2(a_j^{(L)} - y_j)"
    )
    result = failing(claim, "--layers", "2,3,2")
    assert any(
        d.startswith("missing sum over j: a_{k}^{(L-1)} influences every z_j^{(L)}")
        for d in result["diagnosis"]
    )
    # The expected right side sums over both neurons of layer L.
    assert result["expected"].count("+") == 1


SUMMED_CLAIMS = [
    r"\frac{\partial C_0}{\partial a_k^{(L-1)}} = \sum_j w_{jk}^{(L)} \sigma'(z_j^{(L)}) "
    r"2(a_j^{(L)} - y_j)",
    r"\frac{\partial C_0}{\partial a_k^{(L-1)}} = \sum_{j=0}^{n_L - 1} \frac{\partial z_j^{(L)}}"
    r"{\partial a_k^{(L-1)}} \frac{\partial a_j^{(L)}}{\partial z_j^{(L)}} "
    r"\frac{\partial C_0}{\partial a_j^{(L)}}",
    r"\frac{\partial C_0}{\partial w_{jk}^{(L)}} = a_k^{(L-1)} \sigma'(z_j^{(L)}) "
    r"2(a_j^{(L)} - y_j)",
    r"\frac{\partial C_0}{\partial w^{(L)}_{jk}} = \frac{\partial z^{(L)}_j}{\partial w^{(L)}_{jk}}"
    r"\frac{\partial a^{(L)}_j}{\partial z^{(L)}_j}\frac{\partial C_0}{\partial a^{(L)}_j}",
    r"\frac{\partial C_0}{\partial b_j^{(L-1)}} = \sigma'(z_j^{(L-1)}) \sum_{i=0}^{n_L-1} "
    r"w_{ij}^{(L)} \delta_i^{(L)}",
    r"\frac{\partial C_0}{\partial w_{10}^{(2)}} = a_0^{(1)} \sigma'(z_1^{(2)}) 2(a_1^{(2)} - y_1)",
    r"\frac{\partial C_0}{\partial w_{01}^{(1)}} = x_1 \sigma'(z_0^{(1)}) \sum_j w_{j0}^{(2)} "
    r"\sigma'(z_j^{(2)}) 2 (a_j^{(2)} - y_j)",
]


@pytest.mark.parametrize("claim", SUMMED_CLAIMS)
def test_indexed_claims_hold_for_every_index_on_2_3_2(claim: str) -> None:
    code, report = run_json("--layers", "2,3,2", claim)
    assert code == 0, report
    assert report[0]["verdict"] == "holds"


def test_symbolic_widths_are_checked_on_several_networks() -> None:
    code, report = run_json("--layers", "2,3,2", SUMMED_CLAIMS[1])
    assert code == 0
    method = report[0]["method"]
    for widths in ("1-1-1", "2-2-2", "3-3-3", "2-3-2"):
        assert widths in method
    assert [n.widths for n in variants(Network.from_widths((2, 3, 2)))][0] == (1, 1, 1)


def test_chained_equality_reports_the_failing_link() -> None:
    claim = (
        W_L
        + r" = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"
        + r" = a^{(L-1)} \sigma'(z^{(L)}) (a^{(L)} - y)"
    )
    result = failing(claim)
    assert result["diagnosis"][0] == "link 2 of the chained equality fails"


def test_other_activation_and_loss() -> None:
    code, report = run_json(
        "--activation", "tanh", "--loss", "half_squared_error",
        W_L + r" = a^{(L-1)} (1 - \tanh(z^{(L)})^2) (a^{(L)} - y)",
        W_L + r" = a^{(L-1)} \sigma'(z^{(L)}) (a^{(L)} - y)",
        W_L + r" = a^{(L-1)} \tanh'(z^{(L)}) (a^{(L)} - y)",
    )  # fmt: skip
    assert code == 0, report


def test_text_report_is_one_line_per_claim_under_a_summary() -> None:
    code, out, _ = run(SEED_W, W_L + r" = a^{(L-1)} 2(a^{(L)} - y)")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "2 claims: 1 holds, 1 fails, 0 unproven, 0 error, 0 skipped"
    assert lines[1] == "claim 1: holds: symbolic"
    assert lines[2].startswith("claim 2: fails: factor ") and "counterexample: network" in lines[2]
    assert len(lines) == 3


# Ground truth ---------------------------------------------------------------------------------
@pytest.mark.parametrize("widths", [(1, 1, 1, 1), (2, 3, 2)])
def test_ground_truth_matches_sympy_diff_of_the_composed_loss(widths: tuple[int, ...]) -> None:
    network = Network.from_widths(widths)
    ground = Ground(network)
    composed = network.composed_loss()
    leaves = set(network.parameters) | set(network.inputs) | set(network.targets)
    for seed, parameter in enumerate(network.parameters):
        point = random_point(leaves, seed)
        full = ground.complete(dict(point))
        truth = evaluate(sp.diff(composed, parameter), point)
        local = ground_evaluate(ground.partial(naming.SAMPLE_LOSS, parameter), full)
        assert local == pytest.approx(truth, rel=1e-10, abs=1e-12)
    # ∂C_0/∂a of a hidden layer: the deriver's chain vs finite differences of the cut graph.
    layer = network.depth - 1
    a = network.a(layer, 0)
    point = random_point(leaves, 7)
    full = ground.complete(dict(point))
    generic = sp.diff(ground._expand(naming.SAMPLE_LOSS, a), a)
    assert ground_evaluate(ground.partial(naming.SAMPLE_LOSS, a), full) == pytest.approx(
        ground_evaluate(generic, full), rel=1e-10
    )


# Documents ------------------------------------------------------------------------------------
MARKDOWN = r"""---
title: backprop notes
symchain: --layers 1,1,1,1
---
# Notes

The weight of the last layer:

$$
\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)
$$

and the bias, inline: $\frac{\partial C_0}{\partial b^{(L)}} = \sigma'(z^{(L)}) (a^{(L)} - y)$.
The loss itself, $C_0 = (a^{(L)} - y)^2$, is a definition.

```python
wrong = "$$\frac{\partial C_0}{\partial w^{(L)}} = 0$$"
```

```math
\frac{\partial C_0}{\partial a^{(L-1)}} = w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)} - y)
```

$$
\begin{aligned}
\frac{\partial C_0}{\partial w^{(L)}} &= \frac{\partial z^{(L)}}{\partial w^{(L)}}
  \frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial C_0}{\partial a^{(L)}} \\
&= a^{(L-2)} \sigma'(z^{(L)}) 2(a^{(L)} - y)
\end{aligned}
$$
"""

EXPECTED_MARKDOWN = [(10, "holds"), (13, "fails"), (14, "holds"), (21, "holds"), (26, "holds"),
                     (28, "fails")]  # fmt: skip


def test_markdown_document_verdict_per_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    code, report = run_json("--file", str(path))
    assert code == 1
    assert [(r["line"], r["verdict"]) for r in report] == EXPECTED_MARKDOWN
    assert all(r["file"] == str(path) for r in report)
    assert any("layer label off by one" in d for d in report[-1]["diagnosis"])


def test_markdown_extraction_skips_code_fences() -> None:
    found = markdown_equations(MARKDOWN)
    assert not any("= 0" in e.text for e in found)


LATEX = r"""% symchain: --layers 2,3,2
\documentclass{article}
\begin{document}
\begin{align}
\frac{\partial C_0}{\partial w_{jk}^{(L)}} &= a_k^{(L-1)} \sigma'(z_j^{(L)}) 2(a_j^{(L)} - y_j) \\
\frac{\partial C_0}{\partial b_{j}^{(L)}} &= \sigma'(z_j^{(L)}) (a_j^{(L)} - y_j)
\end{align}
\[ \frac{\partial C_0}{\partial a_k^{(L-1)}} = \sum_j w_{jk}^{(L)} \sigma'(z_j^{(L)})
    2(a_j^{(L)} - y_j) \]
% \[ \frac{\partial C_0}{\partial a_k^{(L-1)}} = 0 \]
$$\nabla C = \begin{bmatrix} \frac{\partial C}{\partial w_{00}^{(L)}} \\ \vdots \end{bmatrix}$$
\begin{equation}
\frac{\partial C_0}{\partial a_k^{(L-1)}} = w_{0k}^{(L)} \delta_0^{(L)}
\end{equation}
\end{document}
"""


def test_latex_document_with_its_own_network(tmp_path: Path) -> None:
    path = tmp_path / "notes.tex"
    path.write_text(LATEX, encoding="utf-8")
    code, report = run_json("--file", str(path))
    assert code == 1
    assert [(r["line"], r["verdict"]) for r in report] == [
        (5, "holds"), (6, "fails"), (8, "holds"), (11, "fails"), (13, "fails")
    ]  # fmt: skip
    assert report[3]["diagnosis"][0].startswith("missing")
    assert report[1]["counterexample"]["network"] == "2-3-2"
    assert any(d.startswith("missing sum") for d in report[4]["diagnosis"])
    assert len(latex_equations(LATEX)) == 5


def test_document_options_are_parsed_by_click(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("<!-- symchain: --layers 2,x -->\n$$a = b$$\n", encoding="utf-8")
    code, out, err = run("--file", str(path))
    assert code == 2
    assert err.count("\n") == 1 and "bad.md:1" in err and "Traceback" not in err


# Bad input ------------------------------------------------------------------------------------
BAD_CLAIMS = [
    ("", "empty claim"),
    ("   ", "empty claim"),
    (W_L + r" = a^{(L-1)} \sigma'(z^{(L)} 2", "unbalanced"),
    (r"\frac{\partial C_0}{\partial w^{(L)} = 1", "unbalanced"),
    (W_L + r" = q^{(L)}", "unknown symbol 'q'"),
    (W_L + r" = \alpha", r"unknown command \alpha"),
    (W_L + r" = a^{(L-1)} +", "ends too early"),
    (W_L + " = ) (", "column"),
    (W_L + " = " + "a^{(L)} " * 400, "too long"),
    (r"\frac{\partial C_0}{\partial w^{(L+1)}} = 1", "layer 4 of w does not exist"),
    ("__import__('os').system('echo pwned')", "column 1"),
    (W_L + " = 9^{9^{9}}", "exponent"),
]


@pytest.mark.parametrize(("claim", "message"), BAD_CLAIMS)
def test_bad_claims_give_one_line_and_exit_2(claim: str, message: str) -> None:
    code, out, err = run(claim)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err


def test_unknown_symbol_lists_known_names() -> None:
    _, _, err = run(W_L + r" = q^{(L)}")
    assert "w, b, z, a" in err and "x (= a^{(0)})" in err


def test_parse_error_points_at_column_and_expectation() -> None:
    with pytest.raises(ClaimSyntaxError, match=r"column 5: unexpected '='; expected .*a letter"):
        parse_claim("a + = b")


def test_bad_files(tmp_path: Path) -> None:
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\x00\x01\x02")
    huge = tmp_path / "huge.md"
    huge.write_text("x" * 1_000_001, encoding="utf-8")
    for args, message in [
        (["--file", str(tmp_path / "missing.md")], "does not exist"),
        (["--file", str(binary)], "binary"),
        (["--file", str(huge)], "bytes"),
        (["--file", str(tmp_path)], "directory"),
        ([], "give a claim"),
    ]:
        code, out, err = run(*args)
        assert code == 2, (args, out, err)
        assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_time_budget_gives_a_clear_message() -> None:
    verdict = Checker(Network.from_widths(), budget=0.0).check_text(SEED_W)
    assert verdict.verdict == "error"
    assert "time budget" in verdict.diagnosis[0]


# Determinism ----------------------------------------------------------------------------------
def test_documents_flag_takes_every_argument_as_a_file(tmp_path: Path) -> None:
    markdown = tmp_path / "notes.md"
    markdown.write_text(MARKDOWN, encoding="utf-8")
    latex = tmp_path / "notes.tex"
    latex.write_text(LATEX, encoding="utf-8")
    code, report = run_json("--documents", str(markdown), str(latex))
    assert code == 1
    assert {r["file"] for r in report} == {str(markdown), str(latex)}
    hooks = Path(__file__).parent.parent / ".pre-commit-hooks.yaml"
    assert "entry: symchain verify --documents" in hooks.read_text(encoding="utf-8")


def test_sum_starting_at_one_is_the_seeds_index_slip() -> None:
    claim = (
        r"\frac{\partial C_0}{\partial a_k^{(L-1)}} = \sum_{j=1}^{n_L-1} w_{jk}^{(L)} "
        r"\sigma'(z_j^{(L)}) 2(a_j^{(L)} - y_j)"
    )
    result = failing(claim, "--layers", "2,3,2")
    assert any("starts at 1" in d and "j = 0 is missing" in d for d in result["diagnosis"])
    assert result["counterexample"]["network"] == "1-1-1"


def test_sum_past_the_last_neuron() -> None:
    claim = (
        r"\frac{\partial C_0}{\partial a_k^{(L-1)}} = \sum_{j=0}^{n_L} w_{jk}^{(L)} "
        r"\sigma'(z_j^{(L)}) 2(a_j^{(L)} - y_j)"
    )
    code, report = run_json("--layers", "2,3,2", claim)
    assert code == 1
    assert "past the last neuron" in report[0]["diagnosis"][0]


def test_composed_forms_are_decided_symbolically() -> None:
    claim = W_L + r" = a^{(L-1)} \sigma'(w^{(L)} a^{(L-1)} + b^{(L)}) 2(a^{(L)} - y)"
    code, report = run_json(claim)
    assert code == 0
    assert report[0]["method"] == "symbolic"


def test_wider_network_checks_every_index_and_names_the_wrong_factor() -> None:
    holds = (
        r"\frac{\partial C_0}{\partial w_{jk}^{(L-2)}} = x_k \sigma'(z_j^{(L-2)}) "
        r"\sum_i w_{ij}^{(L-1)} \delta_i^{(L-1)}"
    )
    swapped = holds.replace("w_{ij}^{(L-1)}", "w_{ji}^{(L-1)}")
    code, report = run_json("--layers", "4,8,8,2", holds, swapped)
    assert code == 1
    assert report[0]["verdict"] == "holds"
    assert report[1]["verdict"] == "fails"
    assert report[1]["counterexample"]["indices"] == {"j": 0, "k": 0}
    (diagnosis,) = [d for d in report[1]["diagnosis"] if d.startswith("factor")]
    assert "is wrong: it should be \\frac{\\partial C_0}{\\partial a_{0}^{(L-2)}}" in diagnosis
    assert len(diagnosis) < 600


# Reliability ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "abc", "1e9"])
def test_timeout_must_be_positive_and_finite(value: str) -> None:
    code, out, err = run("--timeout", value, SEED_W)
    assert code == 2 and out == ""
    assert err.startswith("symchain: error: ") and err.count("\n") == 1 and "--timeout" in err


def test_budget_is_read_from_an_injected_clock() -> None:
    ticks = iter(range(0, 10_000, 100))
    checker = Checker(Network.from_widths(), budget=50.0, clock=lambda: float(next(ticks)))
    verdict = checker.check_text(SEED_W)
    assert verdict.verdict == "error" and "time budget of 50 s" in verdict.diagnosis[0]
    assert Checker(Network.from_widths(), clock=lambda: 0.0).check_text(SEED_W).verdict == "holds"


def test_in_process_expand_is_bounded_by_a_term_budget() -> None:
    u, v, s, t = sp.symbols("u v s t")
    assert expanded_terms((u + v) * (s + t)) == 4
    assert expanded_terms((u + v + s + t) ** 12) > EXPANDED_TERM_LIMIT


def test_tanh_with_binary_cross_entropy_is_refused_in_one_line() -> None:
    # tanh outputs may be negative, where ln a is undefined: the pair is refused up front.
    claim = W_L + r" = a^{(L-1)} \tanh'(z^{(L)}) \frac{a^{(L)} - y}{a^{(L)}(1 - a^{(L)})}"
    result = CliRunner().invoke(
        cli, ["verify", "--activation", "tanh", "--loss", "binary_cross_entropy", claim]
    )
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "tanh (outputs in (-1, 1)) cannot feed the loss" in lines[0]


def test_points_where_a_side_is_undefined_are_skipped_not_fatal() -> None:
    # ln(a - 1/2) is undefined wherever a^{(L)} < 1/2: those points are skipped, not fatal, and
    # the claim is judged on the others.
    claim = W_L + r" = \ln(a^{(L)} - \frac{1}{2})"
    result = CliRunner().invoke(cli, ["verify", claim, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (1, 2)
    if result.exit_code == 1:
        assert json.loads(result.stdout)[0]["verdict"] in ("fails", "unproven")


def test_interrupt_ends_the_simplify_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    started = []
    real_context = check._worker_context

    class Interrupting:
        def __init__(self) -> None:
            self.context = real_context()

        def Queue(self):  # noqa: N802, ANN201
            return self.context.Queue()

        def Process(self, **kwargs):  # noqa: N802, ANN003, ANN201
            process = self.context.Process(**kwargs)
            started.append(process)
            return InterruptedJoin(process)

    class InterruptedJoin:
        """The worker, except that waiting for it is interrupted (as by Ctrl-C)."""

        def __init__(self, process: Any) -> None:
            self.process = process

        def start(self) -> None:
            self.process.start()

        def join(self, timeout: float | None = None) -> None:
            if timeout is not None:
                raise KeyboardInterrupt
            self.process.join()

        def is_alive(self) -> bool:
            return bool(self.process.is_alive())

        def terminate(self) -> None:
            self.process.terminate()

    monkeypatch.setattr(check, "_worker_context", Interrupting)
    u = sp.Symbol("u")
    with pytest.raises(KeyboardInterrupt):
        check._simplify_zero(sp.sin(u) ** 2 + sp.cos(u) ** 2 - 1, 5.0)
    assert started and not started[0].is_alive()
