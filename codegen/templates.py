"""The one cached Jinja2 environment; templates receive pre-printed code, never SymPy objects."""
from __future__ import annotations

from functools import lru_cache

import jinja2


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """Templates in ``codegen/templates``; undefined variables are errors."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("codegen", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, **context) -> str:
    """Render ``codegen/templates/<template>`` with ``context``."""
    return environment().get_template(template).render(**context)
