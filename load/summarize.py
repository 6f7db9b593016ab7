"""The figures of a load/run.sh run: per step (web workers × users) requests/s, error rate and
the p95 of the slowest page; per endpoint p50/p95/p99; the review backlog over time; the
knee (the last step where every page's p95 stayed within the goal with no error).

    python load/summarize.py load/results/<run>
"""

import csv
import os
import re
import sys
from pathlib import Path

GOAL_P95_MS = 300


def steps(run: Path):
    for stats in sorted(run.glob("w*-u*_stats.csv"), key=lambda p: tuple(map(int, re.findall(r"\d+", p.name)[:2]))):
        workers, users = map(int, re.match(r"w(\d+)-u(\d+)_stats", stats.name).groups())
        rows = list(csv.DictReader(stats.open()))
        yield workers, users, [r for r in rows if r["Name"] != "Aggregated"], next(r for r in rows if r["Name"] == "Aggregated")


def is_page(row) -> bool:
    return row["Type"] == "GET"


def main(run: Path) -> None:
    print(f"# Load test {run.name} — {os.cpu_count()} cores, load generator on the same machine\n")
    print("| web workers | users | req/s | errors | slowest page p95 (ms) | which | all p95 (ms) | within goal |")
    print("|---:|---:|---:|---:|---:|---|---:|---|")
    knees: dict[int, int] = {}
    per_endpoint = {}
    for workers, users, rows, total in steps(run):
        pages = [r for r in rows if is_page(r)]
        slowest = max(pages, key=lambda r: float(r["95%"] or 0))
        requests, failures = int(total["Request Count"]), int(total["Failure Count"])
        ok = float(slowest["95%"]) <= GOAL_P95_MS and failures == 0
        if ok:
            knees[workers] = max(knees.get(workers, 0), users)
        print(f"| {workers} | {users} | {float(total['Requests/s']):.1f} | {failures}/{requests} "
              f"({100 * failures / max(requests, 1):.2f} %) | {float(slowest['95%']):.0f} | {slowest['Name']} "
              f"| {float(total['95%']):.0f} | {'yes' if ok else 'no'} |")
        per_endpoint[(workers, users)] = rows
    print()
    for workers, users in sorted(per_endpoint):
        print(f"## {workers} web worker(s), {users} users\n")
        print("| endpoint | requests | failures | req/s | p50 | p95 | p99 (ms) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in sorted(per_endpoint[(workers, users)], key=lambda r: r["Name"]):
            print(f"| {r['Type']} {r['Name']} | {r['Request Count']} | {r['Failure Count']} | {float(r['Requests/s']):.2f} "
                  f"| {r['50%']} | {r['95%']} | {r['99%']} |")
        backlog = run / f"w{workers}-u{users}-backlog.csv"
        if backlog.exists():
            samples = list(csv.DictReader(backlog.open()))
            if samples:
                series = ", ".join(f"{s['pending_review'] or '?'}" for s in samples)
                print(f"\nreview backlog (待审核, every 5 s): {series}; Celery queue at the end: "
                      f"{samples[-1]['celery_queue_length'] or '?'}")
        print()
    for workers, users in sorted(knees.items()):
        print(f"knee with {workers} web worker(s): {users} users is the last step within p95 ≤ {GOAL_P95_MS} ms, 0 errors")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
