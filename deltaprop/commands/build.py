"""``deltaprop build NETWORK -o DIR``: the main job in one command.

Every artefact is computed first and written only when all steps succeeded, so a failed
build leaves DIR as it was.  Each feature contributes one step: a function
``step(network, outdir) -> (files, summary_lines, ok)`` listed in ``STEPS``.
"""
from __future__ import annotations

from pathlib import Path

from symbolic.wording import plural

from codegen.steps import run_check, write_module

from ..loading import load_network, network_argument
from ..output import write_all
from . import compare, derive

HELP = "generate, check and document a network in one go (the main job)"

#: The build steps, in order.
STEPS = [write_module, run_check, derive.build_step, compare.build_step]


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
    for step in STEPS:
        step_files, lines, ok = step(network, outdir)
        files.update(step_files)
        summary += lines
        status = status or (0 if ok else 1)
    write_all({outdir / name: content for name, content in files.items()}, folder=outdir)
    summary.append(f"wrote {plural(len(files), 'file')} to {outdir}/: " + ", ".join(files))
    print("\n".join(summary))
    return status
