"""The .tex documents compile with pdflatex, nothing runs off the page, and the PDF shows the
seed document's numbers (pdflatex from texlive-latex-base/-recommended, pdftotext from
poppler-utils; .ci/apt-packages installs them)."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

from symbolic import EXAMPLES, POINTS, Network, builtin
from codegen.derivation import Derivation
from symbolic.spec import parse_spec

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                reason="pdflatex is not installed (Debian: texlive-latex-base "
                                       "texlive-latex-recommended), so the .tex cannot be compiled")


def compile_tex(folder, name, text):
    (folder / f"{name}.tex").write_text(text, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           f"{name}.tex"], cwd=folder, capture_output=True, text=True,
                          timeout=120)
    log = (folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, f"pdflatex failed on {name}:\n{done.stdout[-3000:]}"
    return log


def pdf_text(path):
    assert shutil.which("pdftotext"), "pdftotext is missing: install poppler-utils"
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_builtin_example_compiles_and_fits_the_page(tmp_path, name):
    text = Derivation(builtin(name), at=POINTS[name], lr=0.5).latex()
    log = compile_tex(tmp_path, name, text)
    assert "Overfull \\hbox" not in log, f"{name}: something runs off the page"
    assert "LaTeX Warning" not in log
    assert (tmp_path / f"{name}.pdf").stat().st_size > 0


def test_seed_product_pdf_shows_the_seed_numbers(tmp_path):
    text = Derivation(builtin("seed-product"), at={"w": 3, "b": 4}, lr=0.1).latex()
    compile_tex(tmp_path, "seed-product", text)
    words = " ".join(pdf_text(tmp_path / "seed-product.pdf").split())
    assert "∂z/∂w = 18 and ∂z/∂b = 63" in words
    assert "x = 2w + 3b = 2 · 3 + 3 · 4 = 18" in words
    assert "= 3 − 0.1 · 18 = 1.2" in words
    assert "= 4 − 0.1 · 63 = −2.3" in words


def test_large_network_fits_the_page(tmp_path):
    text = Derivation(builtin("mlp:3-12-12-2:tanh:softmax-ce")).latex()
    log = compile_tex(tmp_path, "large", text)
    assert "Overfull \\hbox" not in log


def pages(log):
    return int(re.search(r"Output written on .*? \((\d+) pages?", log).group(1))


def test_the_seed_222_derivation_is_short(tmp_path):
    """Each local derivative once and the worked example with its numbers: 6 pages (it was 9
    when every weight repeated the list of local derivatives)."""
    text = Derivation(builtin("seed-222"), at=POINTS["seed-222"], lr=0.5).latex()
    assert pages(compile_tex(tmp_path, "seed-222", text)) <= 6


def test_written_out_sigmoid_and_gelu_derivations_fit_the_page(tmp_path):
    """The 2-2-2 with σ written as 1/(1 + e^{-z}), and the tanh GELU with sqrt(2/π)."""
    spec = (EXAMPLES_DIR / "seed-222.net").read_text(encoding="utf-8")
    written = re.sub(r"sigmoid\((z\d)\)", r"1/(1 + exp(-\1))", spec)
    net = parse_spec(written, "net222.net")
    log = compile_tex(tmp_path, "net222", Derivation(net, at=POINTS["seed-222"], lr=0.5).latex())
    assert "Overfull \\hbox" not in log and pages(log) <= 7
    x, t, w, v, z, h, y = sp.symbols("x t w v z h y")
    gelu = z * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (z + sp.Float("0.044715") * z ** 3))) / 2
    net = Network("gelu", [x], [t], [w, v], [(z, w * x), (h, gelu), (y, v * h)],
                  (y - t) ** 2 / 2)
    doc = Derivation(net, at={"x": 0.5, "t": 1, "w": 1.5, "v": 0.8}, lr=0.5).latex()
    log = compile_tex(tmp_path, "gelu", doc)
    assert "Overfull \\hbox" not in log and r"\pi" in doc
