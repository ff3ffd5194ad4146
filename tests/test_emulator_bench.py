"""The benchmark script runs end to end at a tiny scale, so it cannot rot between real runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "emulator_bench.py"


def test_bench_prints_one_row_of_figures_per_scale():
    result = subprocess.run([sys.executable, str(BENCH), "--scales", "200,400", "--seconds", "0.5",
                             "--requests", "20"], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [row[0] for row in rows] == ["200", "400"]
    for row in rows:
        set_ops, get_ops, p50, p99, friends = float(row[2]), float(row[3]), float(row[4]), float(row[5]), int(row[6])
        assert set_ops > 0 and get_ops > 0 and 0 < p50 <= p99
        assert friends == int(row[0])  # below 1,000 users every user is hub's friend with all five keys
        assert not re.search(r"non-200", " ".join(row))
