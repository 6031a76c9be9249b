"""Print the peer suite's failing cases as Markdown, grouped by cause (for the lead's notes):

    cd tests && python -m peer.failures > /work/helpers/peer-failures.md
"""
from __future__ import annotations

import re
import subprocess
import warnings
from collections import defaultdict

from peer.cases import CASES, SINGULAR
from peer.checks import PeerFailure, check_case, check_singular


def cause(line: str) -> str:
    """A short name for the kind of problem one report line shows."""
    raised = re.search(r"raised (\w+): (.*)", line)
    if raised:
        return f"{raised[1]}: {raised[2]}"
    if "(convention)" in line:
        return "wrong value at a singular point (convention not followed)"
    if re.search(r"got (nan|inf|-inf)", line):
        return "non-finite result where the true value is finite (overflow in a written-out form)"
    return "wrong value"


def failures() -> dict:
    groups = defaultdict(list)
    runs = [(c, check_case) for c in CASES] + [(c, check_singular) for c in SINGULAR]
    for case, check in runs:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check(case)
        except PeerFailure as err:
            lines = str(err).split("\n")[1:]
            groups[cause(lines[0])].append((case, lines[0], len(lines)))
    return groups


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    groups = failures()
    total = sum(len(v) for v in groups.values())
    print(f"# Peer suite failures (branch peer-suite, commit {commit})\n")
    print(f"{total} of {len(CASES) + len(SINGULAR)} cases fail ({len(CASES)} peer cases, "
          f"{len(SINGULAR)} singular-point cases). "
          "Run: `python -m pytest -q tests/test_peer_suite.py`; "
          "regenerate this list: `cd tests && python -m peer.failures`.\n")
    for name, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"## {name} ({len(items)} cases)\n")
        for case, first, count in items:
            first = first.replace(f"{case.id} [{case.source}] ", "", 1)
            formula = case.spec.strip().split("\n")[-1]
            print(f"- `{case.id}` — `{formula}` — {case.source}\n"
                  f"  ({count} problem(s)) {first}")
        print()


if __name__ == "__main__":
    main()
