"""Code generation: stand-alone backprop modules from networks, via Jinja2 templates.

``generate_module(network, backend)`` dispatches on the network's type through ``EMITTERS``,
for the backend ``numpy`` (default), ``python`` or ``array-api`` (``codegen.backends``);
``load_module`` imports the result and ``check_gradients`` compares it with central
differences and with ``gradients_naive``.
"""
from .check import CheckResult, check_gradients
from .generate import EMITTERS, generate_module
from .loader import load_module
from .scalar import emit_scalar_module

__all__ = ["EMITTERS", "CheckResult", "check_gradients", "emit_scalar_module", "generate_module",
           "load_module"]
