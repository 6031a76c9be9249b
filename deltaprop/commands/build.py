"""``deltaprop build NETWORK -o DIR``: the main job in one command.

Every artefact is computed first and written only when all steps succeeded, so a failed
build leaves DIR as it was.  Each feature contributes one step: a function
``step(network, outdir) -> (files, summary_lines, ok)`` listed in ``STEPS``.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from symbolic.wording import plural

from ..loading import load_network, network_argument
from ..output import write_all

HELP = "generate, check and document a network in one go (the main job)"

#: "module:function" of each build step, in order.
STEPS: list[str] = [
    "codegen.steps:write_module",
    "codegen.steps:run_check",
    "deltaprop.commands.derive:build_step",
    "deltaprop.commands.compare:build_step",
]


def add_arguments(parser) -> None:
    network_argument(parser)
    parser.add_argument("-o", "--output", metavar="DIR", default="build",
                        help="folder for the generated files, created if missing (default: build)")


def run(args) -> int:
    network = load_network(args.network)
    outdir = Path(args.output)
    files: dict[str, str | bytes] = {}
    summary: list[str] = [f"deltaprop build {network.name}"]
    status = 0
    for spec in STEPS:
        module, func = spec.split(":")
        step_files, lines, ok = getattr(importlib.import_module(module), func)(network, outdir)
        files.update(step_files)
        summary += lines
        status = status or (0 if ok else 1)
    write_all({outdir / name: content for name, content in files.items()}, folder=outdir)
    summary.append(f"wrote {plural(len(files), 'file')} to {outdir}/: " + ", ".join(files))
    print("\n".join(summary))
    return status
