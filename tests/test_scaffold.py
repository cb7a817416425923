"""`pitchlake new-plugin` writes a package that installs with pip and passes the contract kit as
generated, run by pytest the way its author will run it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pitchlake(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pitchlake", *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_a_new_plugin_installs_and_passes_the_contract_kit(tmp_path):
    created = pitchlake("new-plugin", "weather", "--directory", str(tmp_path), cwd=ROOT)
    assert created.returncode == 0, created.stderr
    package = tmp_path / "pitchlake-weather"
    assert (package / "pitchlake_weather" / "dbt" / "stg_weather__weather.sql").is_file()

    # A real pip install (entry points, package data), into a folder of its own, not the shared venv.
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(package)],
                   check=True, capture_output=True)
    assert (site / "pitchlake_weather" / "sandbox_data" / "weather_39_2024.json").is_file()

    env = {**os.environ, "PYTHONPATH": str(site)}
    listing = subprocess.run([sys.executable, "-m", "pitchlake", "plugins", "--json"], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert '"distribution": "pitchlake-weather"' in listing.stdout, listing.stderr

    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests"],
                         capture_output=True, text=True, env=env, cwd=package, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "14 passed" in run.stdout and "skipped" not in run.stdout, run.stdout


def test_new_plugin_refuses_bad_names_and_existing_folders(tmp_path):
    bad = pitchlake("new-plugin", "Weather-API", "--directory", str(tmp_path), cwd=ROOT)
    assert bad.returncode == 2 and "plugin name 'Weather-API'" in bad.stderr
    (tmp_path / "pitchlake-weather").mkdir()
    taken = pitchlake("new-plugin", "weather", "--directory", str(tmp_path), cwd=ROOT)
    assert taken.returncode == 2 and "already exists" in taken.stderr
    assert list((tmp_path / "pitchlake-weather").iterdir()) == []
