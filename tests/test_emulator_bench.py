"""The benchmark script runs end to end at a tiny scale, so it cannot rot between real runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "emulator_bench.py"


def test_bench_prints_the_emulator_beside_the_framework_floor_per_scale():
    result = subprocess.run([sys.executable, str(BENCH), "--scales", "200,400", "--seconds", "0.3",
                             "--rounds", "1", "--requests", "20"], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split()[:8] == ["users", "build", "s", "set", "ops/s", "floor", "ratio", "get"]
    rows = [line.split() for line in lines]
    assert [row[0] for row in rows] == ["200", "400"]
    for row in rows:
        set_ops, set_floor, set_ratio = float(row[2]), float(row[3]), float(row[4])
        get_ops, get_floor, get_ratio = float(row[5]), float(row[6]), float(row[7])
        p50, p99, friends = float(row[8]), float(row[9]), int(row[10])
        assert set_ops > 0 and set_floor > 0 and get_ops > 0 and get_floor > 0 and 0 < p50 <= p99
        assert abs(set_ratio - set_ops / set_floor) < 0.01 and abs(get_ratio - get_ops / get_floor) < 0.01
        assert friends == int(row[0])  # below 1,000 users every user is hub's friend with all five keys
        assert not re.search(r"non-200", " ".join(row))
