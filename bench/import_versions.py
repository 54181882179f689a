"""The import's speed in two builds of dirctl, on the same files, in one run.

    python bench/import_versions.py BASELINE_PATH CANDIDATE_PATH [rows=1000000] [rounds=3]

Each PATH is put on PYTHONPATH for its child processes; give "" for the dirctl
installed in this interpreter (e.g. the previous release as the baseline and a
staged build of the change as the candidate). Two files from import_bench's
generator: the bench's usual one (9 columns) and the same rows with every
column of JumpCloud's template present and its cells empty (issue #12: "do
not fall by more than 10% with the new columns present but empty"). The two
builds alternate, file by file and round by round, so that drift on a shared
machine hits both; totals are compared.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_bench  # noqa: E402  (the generator and the timed child)


def timed_import(pythonpath: str, csv_path: Path, db: Path) -> float:
    for old in db.parent.glob(db.name + "*"):
        old.unlink()
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", import_bench.CHILD, str(db), str(csv_path)], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    took, created, errors = float(out[0]), int(out[1]), int(out[2])
    assert errors == 0 and created > 0, out
    return took


def main(baseline: str, candidate: str, rows: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="dirctl_import_versions_"))
    files = {"usual file": folder / "usual.csv", "every template column": folder / "wide.csv"}
    import_bench.generate(files["usual file"], rows)
    import_bench.generate(files["every template column"], rows, wide=True)
    totals = {(f, b): 0.0 for f in files for b in ("baseline", "candidate")}
    print(f"import_versions: {rows:,} rows, 3 groups each, {rounds} rounds; baseline {baseline or '(installed)'}, "
          f"candidate {candidate or '(installed)'}")
    for r in range(rounds):
        for name, path in files.items():
            for build, pp in (("baseline", baseline), ("candidate", candidate)):
                took = timed_import(pp, path, folder / f"{build}.db")
                totals[(name, build)] += took
                print(f"  round {r}  {name:22s} {build:9s} {took:7.2f} s  {rows / took:>9,.0f} rows/s", flush=True)
    for name in files:
        base, cand = totals[(name, "baseline")], totals[(name, "candidate")]
        change = 100 * (base / cand - 1)
        print(f"{name:22s} baseline {rows * rounds / base:>9,.0f} rows/s  candidate {rows * rounds / cand:>9,.0f} rows/s"
              f"  ({change:+.1f}% speed; target: no more than 10% slower: {'met' if cand <= 1.1 * base else 'MISSED'})")
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000,
         int(sys.argv[4]) if len(sys.argv) > 4 else 3)
