"""Fixtures every test may use: real servers on 127.0.0.1 (moto S3, the sandbox), and the
ingestion rig of tests/rig.py. Also which tests are unit tests, and how `make test` shares the
files among pytest-xdist workers."""

from pathlib import Path

import pytest

from pitchlake_sandbox import Sandbox

from .rig import KEY, MINIMUM, TODAY, Rig

pytest_plugins = ["pitchlake.testing.moto", "pitchlake.testing.sandbox"]

#: The unit tests (`pytest -m unit`, `make unit`: under a minute): the files none of whose tests
#: starts a server or a process, or calls dbt, Dagster or Terraform. Every other file's tests are
#: marked `integration`; a new file is one until it is listed here.
UNIT_FILES = {
    "test_api_football_endpoints.py", "test_client_units.py", "test_contract.py", "test_docs.py", "test_lake_keys.py",
    "test_openapi_catalogue.py",
}

#: The slowest test files, slowest first (pytest --durations, one file's tests together). With
#: `--dist loadfile --no-loadscope-reorder` (make test) the workers take the files in this order,
#: so the long ones start first and the workers finish together; the other files follow.
SLOWEST_FIRST = [
    "test_installed.py", "test_dagster.py", "test_dbt_catalogue.py", "test_dbt_duckdb.py", "test_dbt_incremental_marts.py", "test_ingest.py", "test_dbt_snowflake.py",
    "test_fault_matrix.py", "test_dagster_factory.py", "test_hostile_inputs.py", "test_demo.py", "test_terraform.py",
    "test_external_plugin.py", "test_odds_plugin.py", "test_dbt_staging_catalogue.py", "test_transform_selection.py", "test_corrupt_lake.py", "test_dbt_synthetic_lake.py", "test_chaos.py", "test_secrets.py",
    "test_dbt_s3.py", "test_lake_protocol.py", "test_planner.py", "test_fuzz.py", "test_sandbox_data.py",
    "test_concurrent_ingest.py",
]
#: Files that write the same place in the checkout run on one worker, after the file they name:
#: test_dagster.py's dagster-dbt manifest and the webserver's code location share dbt/target.
SAME_WORKER_AS = {"test_dagster_webserver.py": "test_dagster.py"}


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _rank(name: str) -> int:
    name = SAME_WORKER_AS.get(name, name)
    return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)


def pytest_itemcollected(item):
    """Marks each test `unit` or `integration` by its file (UNIT_FILES), before `-m` selects."""
    item.add_marker("unit" if Path(_file_of(item.nodeid)).name in UNIT_FILES else "integration")


def pytest_ignore_collect(collection_path: Path, config):
    """With `-m unit`, the other files are not even imported (Dagster's and dbt's imports alone
    take seconds)."""
    if config.getoption("markexpr") == "unit" and collection_path.name.startswith("test_") \
            and collection_path.suffix == ".py" and collection_path.name not in UNIT_FILES:
        return True
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The slowest files first; a stable sort, so each file's tests keep pytest's order."""
    items.sort(key=lambda item: _rank(Path(_file_of(item.nodeid)).name))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile, with the files of SAME_WORKER_AS in one work unit."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = _file_of(nodeid)
            name = Path(file).name
            return str(Path(file).with_name(SAME_WORKER_AS[name])) if name in SAME_WORKER_AS else file

    return Scheduling(config, log)


_seconds_by_file: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Each file's time (setup, call and teardown of its tests), summed where the reports arrive:
    on the controller under xdist, so the summary covers both workers."""
    name = Path(_file_of(report.nodeid)).name
    _seconds_by_file[name] = _seconds_by_file.get(name, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """The slowest files, to keep SLOWEST_FIRST in order and the suite's time in view."""
    slowest = sorted(_seconds_by_file.items(), key=lambda item: -item[1])[:15]
    if slowest:
        terminalreporter.write_line(f"time by test file ({sum(_seconds_by_file.values()):.0f} s in all): "
                                    + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in slowest))


@pytest.fixture
def api_key(monkeypatch):
    monkeypatch.setenv("FOOTBALL_API_KEY", KEY)
    monkeypatch.setenv("PITCHLAKE_TODAY", TODAY)


@pytest.fixture(scope="session")
def clean_lake(tmp_path_factory):
    """The lake an uninterrupted, fault-free run produces: the reference for every other run. Its
    bytes depend only on the sandbox's data and PITCHLAKE_TODAY, so one run serves the session
    (no test changes it)."""
    started: list[Sandbox] = []

    def sandbox_factory(**kwargs) -> Sandbox:
        started.append(Sandbox(**kwargs).start())
        return started[-1]

    root = tmp_path_factory.mktemp("clean_lake")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOOTBALL_API_KEY", KEY)
        patch.setenv("PITCHLAKE_TODAY", TODAY)
        try:
            rig = Rig(root, sandbox_factory, f"file://{root}/reference")
            summary = rig.ingest()
            assert summary.exit_code == 0 and rig.served() == MINIMUM
            return rig.files()
        finally:
            for sandbox in started:
                sandbox.stop()
