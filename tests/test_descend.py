"""Learning-rate experiments (seed numbers) and the whitelisted formula parser."""
import pytest

from deltaprop.cli import main
from symbolic.formula import FormulaError, parse_formula
import math

from deltaprop.descend_plot import descent_picture
from deltaprop.training.descent import descend
from deltaprop.training.minima import critical_points, nearest_minimum
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
    rows = [line.split() for line in out.splitlines()]
    # one row per step: k, then x_k and J(x_k) for eta = 1 and eta = 0.25 (the lecture's numbers)
    assert ["1", "-14", "784", "-2", "16"] in rows and ["3", "-686", "1.88238e+06", "-2", "16"] in rows
    assert "oscillates" in out and "diverges (each step 7x the previous)" in out


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


# --- the lecture picture (issue 14, point 4) and the text at 30 steps -------------------------

LECTURE = ["4*x^2", "--x0", "2", "--lr", "1,0.26,0.25,0.24,0.1", "--steps", "30"]


def _picture(formula, x0, rates, steps=30):
    expr, x = parse_formula(formula)
    runs = [descend(expr, x, x0, lr, steps) for lr in rates]
    return descent_picture(expr, x, runs, formula)


def test_lecture_picture_clips_the_diverging_rates_instead_of_scaling_to_them():
    picture = _picture("4*x^2", 2, [1, 0.26, 0.25, 0.24, 0.1])
    lo, hi = picture.x_limits
    assert -2.5 < lo < -2 and 2 < hi < 2.5            # the ±2 of eta = 0.25 and x* = 0, not -14
    assert picture.j_limits[1] < 25                  # J(±2) = 16 fits; J(-14) = 784 does not
    leaves = {v.run.lr: v.leaves_curve_at for v in picture.runs}
    assert leaves == {1: 1, 0.26: 2, 0.25: None, 0.24: None, 0.1: None}
    assert [v.target for v in picture.runs] == [0.0] * 5
    bottom, top = picture.error_limits
    assert 20.2 < top < 1000 and bottom > 1e-15       # 0.26 reaches |x_30| = 20.13 in view
    above = {v.run.lr: v.leaves_errors_at for v in picture.runs}
    assert above == {1: 2, 0.26: None, 0.25: None, 0.24: None, 0.1: None}   # |x_2| = 98


def test_lecture_figure_axes_follow_the_picture_and_steps_are_integers():
    pytest.importorskip("matplotlib")
    from deltaprop.descend_plot import descent_figure

    picture = _picture("4*x^2", 2, [1, 0.26, 0.25, 0.24, 0.1])
    fig = descent_figure(picture)
    *curves, errors = fig.axes
    assert len(curves) == 5 and all(ax.get_xlim() == picture.x_limits for ax in curves)
    assert all(ax.get_ylim() == picture.j_limits for ax in curves)
    assert errors.get_yscale() == "log" and errors.get_ylim() == picture.error_limits
    fig.canvas.draw()
    lo, hi = errors.get_xlim()
    ticks = [t for t in errors.get_xticks() if lo <= t <= hi]
    assert len(ticks) >= 3 and all(t == int(t) for t in ticks)
    titles = [ax.get_title() for ax in curves]
    assert "leaves the picture at step 1: x₁ = −14" in titles[0]
    assert titles[2] == "η = 0.25: oscillates"


def test_several_minima_each_run_is_measured_against_the_one_it_approaches():
    import numpy as np

    picture = _picture("x^4 - 3*x^2 + x", 2, [0.01, 0.1, 0.3])
    roots = sorted(np.roots([4, 0, -6, 1]).real)      # J' = 4x^3 - 6x + 1, independent solver
    minima = [r for r in roots if 12 * r * r - 6 > 0]
    assert [m for m, _ in picture.minima] == pytest.approx(minima, abs=1e-14)
    targets = {v.run.lr: v.target for v in picture.runs}
    assert targets[0.01] == pytest.approx(minima[1]) and targets[0.1] == pytest.approx(minima[0])
    overflow = picture.runs[2]
    assert overflow.run.verdict == "diverges (overflow)" and overflow.leaves_curve_at == 1
    assert picture.x_limits[1] - picture.x_limits[0] < 6 and picture.j_limits[1] < 20
    assert picture.runs[1].errors[-1] < 1e-9          # converged to its own minimum


@pytest.mark.parametrize("formula, x_star", [
    ("abs(x)", 0.0), ("relu(x) + x^2", 0.0), ("abs(x - 0.3) + x/2", 0.3),
    ("sqrt(x) + 1/x", 2 ** (2 / 3)), ("sqrt(x) + 0.1*x^(-2)", 0.4 ** 0.4), ("sin(x)", -math.pi / 2), ("log(x)^2", 1.0)])
def test_minimum_found_numerically_where_J_prime_is_not_a_polynomial(formula, x_star):
    expr, x = parse_formula(formula)
    points = critical_points(expr, x, (-2.5, 2.5))
    assert nearest_minimum(points, 0.5) == pytest.approx(x_star, rel=1e-15, abs=1e-300)


def test_poles_and_plateaus_are_not_minima():
    for formula in ["1/x^2", "-1/x^2", "relu(x)", "exp(x)", "sigmoid(x)"]:
        expr, x = parse_formula(formula)
        points = critical_points(expr, x, (-3, 3))
        assert nearest_minimum(points, 1.0) is None, formula


def test_a_run_reaching_the_minimum_exactly_is_drawn_as_reached():
    picture = _picture("4*x^2", 2, [0.125], steps=3)    # x_1 = 2 - 0.125*16 = 0
    view = picture.runs[0]
    assert view.errors == (2.0, 0.0, 0.0, 0.0) and view.below_errors_at is None


def test_text_at_30_steps_fits_in_100_columns(capsys):
    assert main(["descend"] + LECTURE) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    verdicts = [line for line in lines if line.startswith("η = ")]
    assert len(verdicts) == 5 and "x₃₀" in verdicts[-1]
    assert sum(line.split()[:1] == ["30"] for line in lines) == 2    # two blocks of columns


def test_long_runs_show_their_first_and_last_steps(capsys):
    assert main(["descend", "x^2", "--lr", "0.1", "--steps", "1000"]) == 0
    out = capsys.readouterr().out
    assert "(971 steps not shown)" in out and len(out.splitlines()) < 45
    assert [line.split()[0] for line in out.splitlines() if line[:5].strip().isdigit()][-1] == "1000"


@pytest.mark.parametrize("formula, shown", [
    ("abs(x)", "J(x) = |x|   J'(x) = sign(x)"),
    ("relu(x) + x^2", "J(x) = x^2 + relu(x)   J'(x) = 2*x + [x > 0]"),
    ("x^4 - 3*x^2 + x", "J(x) = x^4 - 3*x^2 + x   J'(x) = 4*x^3 - 6*x + 1"),
    ("sqrt(x) + 0.1*x^(-2)", "J(x) = sqrt(x) + 0.1/x^2   J'(x) = -0.2/x^3 + 1/(2*sqrt(x))")])
def test_formulas_print_in_the_users_notation(capsys, formula, shown):
    assert main(["descend", formula, "--lr", "0.1", "--steps", "30"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(shown)
    for leak in ("Abs(", "Heaviside(", "**"):
        assert leak not in out


def test_bounded_irregular_steps_wander_rather_than_diverge():
    expr, x = parse_formula("x^4 - 3*x^2 + x")
    run = descend(expr, x, -0.5, 0.2, 30)
    assert run.verdict.startswith("wanders (steps grow and shrink") and not run.diverges
    assert max(abs(v) for v in run.iterates) < 2          # it stays near the left minimum
    assert descend(expr, x, -0.5, 0.35, 30).diverges      # this one overflows


@pytest.mark.parametrize("formula, x0, rates, leaves", [
    ("exp(x^2)", 3, [10], [1]),            # overflows at once: no minimum in view
    ("sqrt(x)", 0.01, [1, 0.001], [1, 2]),  # steps out of the domain: J' undefined there
    ("x", 1, [0.5], [None]),                # no critical point at all
    ("x^2", 0, [0.1], [None])])             # starts at x*: every distance is 0
def test_pictures_without_a_distance_to_draw(tmp_path, formula, x0, rates, leaves):
    pytest.importorskip("matplotlib")
    from deltaprop.descend_plot import descent_png

    picture = _picture(formula, x0, rates, steps=5)
    assert [v.leaves_curve_at for v in picture.runs] == leaves
    assert picture.error_limits is None
    assert descent_png(picture)[:8] == b"\x89PNG\r\n\x1a\n"


def test_domain_error_names_the_formula_in_the_users_notation(capsys):
    assert main(["descend", "abs(x)^(-1)", "--x0", "0"]) == 2
    err = capsys.readouterr().err
    assert err == ("deltaprop: error: J(x) = 1/|x| is not defined (or not finite) at x₀ = 0: "
                   "choose another --x0\n")


def test_a_long_formula_puts_J_and_its_derivative_on_lines_of_their_own(capsys):
    formula = " + ".join(f"{k}*sigmoid(x - {k})" for k in range(1, 6)) + " + x^2"
    assert main(["descend", formula, "--steps", "30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("J(x) = ") and lines[1].startswith("J'(x) = ")
    assert lines[2:4] == ["x₀ = 1", "step: x ← x − η·J'(x)"]


def test_steps_that_approach_a_cycle_oscillate_rather_than_diverge():
    expr, x = parse_formula("relu(x) + x^2")        # kink at 0: eta = 0.9 cycles, bounded
    run = descend(expr, x, 1, 0.9, 30)
    assert max(abs(v) for v in run.iterates) < 2.5
    assert run.verdict.startswith("oscillates (steps grow towards a constant size") and not run.diverges


def test_cli_table_reproduces_the_seed_tutorial_rows(capsys):
    # 002 tutorial: J = x^2, x0 = 1.2, eta = 0.3: "x=0.480000, y=0.230400" ... "x=0.030720, y=0.000944"
    assert main(["descend", "x^2", "--x0", "1.2", "--lr", "0.3", "--steps", "4"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["1", "0.48", "0.2304"] in rows and ["2", "0.192", "0.036864"] in rows
    assert ["3", "0.0768", "0.00589824"] in rows and ["4", "0.03072", "0.000943718"] in rows
