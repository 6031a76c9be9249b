"""Optional matplotlib support (the ``plot`` extra): PNG bytes, written atomically by callers."""
from __future__ import annotations

import io

from symbolic.errors import DeltapropError

INSTALL_HINT = 'pip install "deltaprop[plot]" (or: pip install matplotlib)'


def require_matplotlib(option: str):
    """``matplotlib.pyplot`` with the non-interactive Agg backend, or a clear error."""
    try:
        import matplotlib
    except ImportError:
        raise DeltapropError(f"{option} needs matplotlib, which is not installed: "
                             f"{INSTALL_HINT}") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_bytes(fig, caption: str = "") -> bytes:
    """The figure as PNG bytes, without metadata (so output is reproducible)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    if caption:
        fig.text(0.5, 0.01, caption, ha="center", va="bottom", fontsize=7)
    fig.tight_layout(rect=(0, 0.04 if caption else 0, 1, 1))
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()
