"""`pitchlake demo`, the README's main job, end to end as a user runs it: no API key, a project as
`pitchlake init` writes it (the repository's own config), its local lake and DuckDB warehouse in
the project folder, the recorded responses served by the sandbox (as `make demo` does); then the
league table dbt computed from them. (tests/test_installed.py runs it from an empty folder.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pitchlake.project import init

ROOT = Path(__file__).resolve().parents[1]


def demo(project: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("FOOTBALL_API_KEY", "PITCHLAKE_DUCKDB")}
    if not (project / "config").exists():
        init(project)
    # from another folder: the project's paths follow its config, not the working directory
    return subprocess.run([sys.executable, "-m", "pitchlake", "demo", "--config", str(project / "config" / "endpoints.json"),
                           "--data", str(ROOT / "tests" / "data" / "api-football")],
                          cwd=project.parent, env=env, capture_output=True, text=True, timeout=600)


def table_row(output: str, rank: int) -> list[str]:
    line = next(line for line in output.splitlines() if re.match(rf"\s*{rank} [A-Z]", line))
    return line.split()


def test_demo_ingests_transforms_and_prints_the_real_table_then_costs_nothing_again(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    first = demo(project)
    assert first.returncode == 0, first.stdout + first.stderr
    # 51 for the recorded 2024 season; the current season (2026) is the sandbox's synthetic one, as of today
    spent = int(re.search(r"API requests: (\d+);", first.stdout).group(1))
    assert spent > 51 and f"the sandbox counted {spent} request(s)" in first.stdout
    # which data is real: the recorded season's; the rest is synthesised, and the demo says so
    assert f"recorded in {ROOT / 'tests' / 'data' / 'api-football'} where it has them, and synthesised the rest" in first.stdout
    assert "the sandbox plays a Pro plan (300 a minute, 7500 a day), not the config's" in first.stdout
    assert f"built {project / 'warehouse' / 'pitchlake.duckdb'} from the lake file://{project / 'lake'}" in first.stdout
    assert "adj: API - Pts, a deduction or bonus the API applied" in first.stdout
    assert (project / "lake" / "raw" / "fixtures" / "season=2024" / "league_id=39").is_dir()
    assert (project / "warehouse" / "pitchlake.duckdb").is_file()
    # The real 2024-25 Premier League: Liverpool champions on 84, Southampton last on 12.
    assert "Premier League 2024" in first.stdout
    assert table_row(first.stdout, 1) == ["1", "Liverpool", "38", "25", "9", "4", "86", "41", "45", "84", "84"]
    assert table_row(first.stdout, 20) == ["20", "Southampton", "38", "2", "6", "30", "26", "86", "-60", "12", "12"]

    again = demo(project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "API requests: 0;" in again.stdout and "nothing new" in again.stdout
    assert table_row(again.stdout, 1) == table_row(first.stdout, 1)
