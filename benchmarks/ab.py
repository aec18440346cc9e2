"""A/B: run the foundation benchmark on two commits back to back, on this machine, and print the ratios.

The machine is shared and noisy; a figure from one run compared with a figure from another day says little.
This runs A, B, A, B… (`--rounds`, default 2) so both see the same machine, and prints each round's figures and
the ratio of the medians (B / A; for latencies and statement counts, lower is better).

    uv run python benchmarks/ab.py cab76fb HEAD -- --orders 100000
    uv run python benchmarks/ab.py main my-branch --rounds 3 -- --orders 20000 --skip-pages

Each commit is checked out (detached) in `var/ab/<commit>/` and run with its own locked environment
(`uv run --directory`), its own benchmark script and its own benchmark database (`var/bench/` inside that
checkout, generated the first time, reused after). Everything after `--` goes to `benchmarks/foundation.py`.
Each run's JSON is kept as `benchmarks/out/ab-<commit>-<round>.json`; the table is also written to
`benchmarks/out/ab-<A>-<B>.txt`.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "ab"
OUT = ROOT / "benchmarks" / "out"

# (label, path into a run's JSON, higher is better)
FIGURES = [
    ("intake over HTTP, events/s", ("intake", "http", "events_per_s"), True),
    ("  POST of 500, p95 ms", ("intake", "http", "batch_ms", "p95"), False),
    ("intake in-process, events/s", ("intake", "in_process", "events_per_s"), True),
    ("  SQL statements per 500", ("intake", "in_process", "statements_per_batch"), False),
    *[(f"{label}, {what}", ("pages", where, page, *path), higher)
      for page, label in (("order_page", "order page"), ("order_api", "order API"), ("order_list", "order list"))
      for what, where, path, higher in (
          ("requests/s (8 clients)", "http", ("requests_per_s",), True),
          ("p95 ms (8 clients)", "http", ("latency_ms", "p95"), False),
          ("p50 ms in-process", "in_process", ("latency_ms", "p50"), False),
      )],
]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def checkout(rev: str) -> tuple[str, Path]:
    commit = git("rev-parse", "--short=12", f"{rev}^{{commit}}")
    tree = WORK / commit
    if not (tree / ".git").exists():
        WORK.mkdir(parents=True, exist_ok=True)
        git("worktree", "add", "--detach", "--force", str(tree), commit)
    return commit, tree


def run(tree: Path, commit: str, round_: int, args: list[str]) -> dict:
    print(f"\n=== {commit}, round {round_}: foundation.py {' '.join(args)}", flush=True)
    subprocess.run(["uv", "run", "--quiet", "--directory", str(tree), "python", "benchmarks/foundation.py", *args],
                   check=True)
    written = max((tree / "benchmarks" / "out").glob("foundation-*.json"), key=lambda p: p.stat().st_mtime)
    kept = OUT / f"ab-{commit}-{round_}.json"
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(written, kept)
    return json.loads(kept.read_text())["runs"][0]


def figure(result: dict, path: tuple) -> float | None:
    value = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return float(value)


def table(a: str, b: str, runs: dict[str, list[dict]]) -> str:
    lines = [f"{'':34} {a + ' (A)':>24} {b + ' (B)':>24} {'B / A':>8}"]
    for label, path, higher in FIGURES:
        values = {rev: [figure(r, path) for r in runs[rev]] for rev in (a, b)}
        if any(v is None for vs in values.values() for v in vs):
            continue
        medians = {rev: statistics.median(vs) for rev, vs in values.items()}
        ratio = medians[b] / medians[a] if medians[a] else float("nan")
        better = (ratio > 1) == higher if ratio != 1 else None
        mark = "" if better is None or abs(ratio - 1) < 0.1 else (" better" if better else " worse")
        cell = {rev: " / ".join(f"{v:,.1f}" for v in vs) for rev, vs in values.items()}
        lines.append(f"{label:34} {cell[a]:>24} {cell[b]:>24} {ratio:>7.2f}×{mark}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     usage="ab.py A B [--rounds N] -- [foundation.py arguments]")
    parser.add_argument("a", help="the commit to compare against (branch, tag or hash)")
    parser.add_argument("b", help="the commit to measure")
    parser.add_argument("--rounds", type=int, default=2, help="A, B pairs to run (default 2)")
    argv = sys.argv[1:]
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    opts = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if opts.rounds < 1:
        parser.error("--rounds must be at least 1")
    (a, tree_a), (b, tree_b) = checkout(opts.a), checkout(opts.b)
    if a == b:
        parser.error(f"{opts.a} and {opts.b} are the same commit ({a})")
    runs: dict[str, list[dict]] = {a: [], b: []}
    for round_ in range(1, opts.rounds + 1):
        for commit, tree in ((a, tree_a), (b, tree_b)):
            runs[commit].append(run(tree, commit, round_, rest))
    text = table(a, b, runs)
    print(f"\nA/B over {opts.rounds} round(s), each cell the rounds' figures in order; ratio of the medians:\n")
    print(text)
    (OUT / f"ab-{a}-{b}.txt").write_text(f"foundation.py {' '.join(rest)}\n\n{text}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
