"""Learning-rate experiments (seed numbers) and the whitelisted formula parser."""
import pytest

from deltaprop.cli import main
from symbolic.formula import FormulaError, parse_formula
from deltaprop.training.descent import descend
import sympy as sp

from symbolic import relu, sigmoid

X = sp.Symbol("x", real=True)  # the spec whitelist makes every name real


def test_seed_x_squared_from_1_2_with_eta_0_3():
    run = descend(parse_formula("x^2")[0], X, 1.2, 0.3, 4)
    assert run.iterates[1:] == pytest.approx([0.48, 0.192, 0.0768, 0.03072], rel=1e-12)


@pytest.mark.parametrize("lr,start,verdict", [
    (1, [2, -14, 98], "diverges"), (0.26, [2, -2.16], "diverges"),
    (0.25, [2, -2, 2, -2], "oscillates"), (0.24, [2, -1.84], "converges slowly"),
    (0.1, [2, 0.4, 0.08], "converges fast")])
def test_seed_4x_squared_learning_rates(lr, start, verdict):
    run = descend(parse_formula("4*x^2")[0], X, 2, lr, 6)
    assert run.iterates[:len(start)] == pytest.approx(start, rel=1e-12)
    assert run.verdict.startswith(verdict)


def test_overflow_is_reported_as_divergence():
    run = descend(parse_formula("exp(x^2)")[0], X, 3, 10, 8)
    assert run.verdict.startswith("diverges")


@pytest.mark.parametrize("text", ["__import__('os')", "x.real", "4x", "y + 1", "[x]",
                                  "lambda: 1", "exp(x, 2)", "9^9^9", "True", "abs(x, x)",
                                  "((10^999)^999)^999*x", "x^999^999", "", "x; x", "import os",
                                  "-" * 999 + "x", "(" * 300 + "x" + ")" * 300, "x" * 2000])
def test_parser_rejects_everything_outside_the_whitelist(text):
    with pytest.raises(FormulaError, match="formula"):
        parse_formula(text)


def test_parser_errors_name_the_column_and_the_limit():
    with pytest.raises(FormulaError, match=r"^formula 'x\^999\^999': column 3: constant too large"):
        parse_formula("x^999^999")
    with pytest.raises(FormulaError, match=r"column 5: unknown name 'y'"):
        parse_formula("x + y", "x")


def test_parser_shares_the_spec_functions_and_variable_names():
    expr, w = parse_formula("sigmoid(w) + relu(w)", "w")
    assert expr == sigmoid(w) + relu(w) and w.name == "w"
    with pytest.raises(FormulaError, match="Python keyword"):
        parse_formula("lambda", "lambda")


def test_parser_builds_the_expected_expression():
    expr, x = parse_formula("-x^3/2 + exp(-x)*sqrt(x) - log(x) + sin(x)*cos(x) + tanh(x)")
    assert x == X and expr == (
        -X**3 / 2 + sp.exp(-X) * sp.sqrt(X) - sp.log(X) + sp.sin(X) * sp.cos(X) + sp.tanh(X))


def test_cli_prints_iterates_and_verdicts(capsys):
    assert main(["descend", "4*x^2", "--x0", "2", "--lr", "1,0.25", "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "2 -> -14 -> 98 -> -686" in out and "oscillates" in out


def test_cli_bad_formula_is_one_line_exit_2(capsys):
    assert main(["descend", "import os"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deltaprop: error: formula") and err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["--lr", "0"], "learning rates must be positive finite numbers, got 0"),
    (["--lr", "0.1,1e400"], "got inf"), (["--lr", "nan"], "got nan"),
    (["--x0", "inf"], "--x0: must be a finite number")])
def test_cli_rejects_rates_and_starts_that_are_not_finite_or_positive(capsys, argv, message):
    assert main(["descend", "x^2"] + argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_plot(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "lr.png"
    assert main(["descend", "x^2", "--lr", "0.1,0.9", "--steps", "5", "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
