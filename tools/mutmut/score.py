"""The score of the last ``mutmut run`` (``make mutation``): killed / total, and every mutant
no test killed, with the line it changed.

Run by ``make mutation`` with ``.tools/mutmut/bin/python`` in mutmut's working folder
(``.tools/mutmut/run/``, where ``mutants/`` holds the results). A mutant counts as killed when
a test failed (or timed out: the change made a test hang); every other outcome counts against
the score: survived (all its tests passed), no tests (none of the selected tests reaches the
changed function), suspicious, segfault, not checked. Exits 1 below ``--target`` percent.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

CAUGHT = {"killed", "timeout"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=float, default=97.0, help="lowest passing score, in percent")
    args = parser.parse_args()

    status_by_mutant: dict[str, str] = {}
    path_by_mutant: dict[str, str] = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for mutant, exit_code in data.exit_code_by_key.items():
            status_by_mutant[mutant] = status_by_exit_code[exit_code]
            path_by_mutant[mutant] = str(path)
    if not status_by_mutant:
        print("no mutation results: run `make mutation`", file=sys.stderr)
        return 1

    not_caught = sorted(m for m, status in status_by_mutant.items() if status not in CAUGHT)
    for mutant in not_caught:
        print(f"{status_by_mutant[mutant]}: {mutant}")
        diff = get_diff_for_mutant(mutant, path=path_by_mutant[mutant])
        for line in diff.splitlines():
            if line[:1] in "-+" and not line.startswith(("---", "+++")):
                print(f"    {line}")

    total = len(status_by_mutant)
    killed = total - len(not_caught)
    score = 100 * killed / total
    by_module = Counter(path_by_mutant[m] for m in not_caught)
    counts = Counter(status_by_mutant.values())
    print()
    for path in sorted(set(path_by_mutant.values())):
        mutants = sum(1 for m in path_by_mutant if path_by_mutant[m] == path)
        print(f"  {path}: {mutants - by_module[path]}/{mutants} killed")
    print("  outcomes: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    verdict = "passes" if score >= args.target else "is below"
    print(f"mutation score: {killed}/{total} killed ({score:.1f}%), {verdict} the target {args.target:g}%")
    return 0 if score >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
