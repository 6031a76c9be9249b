"""Import a generated module from its source (written to a temporary folder, then imported)."""
from __future__ import annotations

import hashlib
import importlib.util
import tempfile
from pathlib import Path
from types import ModuleType


def load_module(network_or_source, backend: str | None = None) -> ModuleType:
    """The generated module of a network (for ``backend``; default NumPy) or of module source
    text, imported."""
    if isinstance(network_or_source, str):
        source = network_or_source
    else:
        from .generate import generate_module

        source = generate_module(network_or_source, backend)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    name = f"deltaprop_generated_{digest}"
    with tempfile.TemporaryDirectory(prefix="deltaprop-") as folder:
        path = Path(folder) / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except (SyntaxError, RecursionError, MemoryError) as err:  # a code generation bug
            from .scalar import CodegenError

            raise CodegenError(f"the generated module does not compile ({type(err).__name__}: "
                               f"{str(err).splitlines()[0] if str(err) else 'no message'})") from err
    module.__deltaprop_source__ = source
    return module
