"""The ``pitchlake`` pytest plugin: pitchlake's test fixtures for every project that installs it.

Registered through the ``pytest11`` entry point, so a plugin author's tests get, with no
``conftest.py``, the sandbox (``sandbox``, ``sandbox_factory``: an API-Football compatible server
on 127.0.0.1) and temporary lakes (``file_lake_uri``, ``s3_lake_uri``, ``lake_uri``, on moto's S3
server). The fixtures stay in their modules and are loaded by name, as ``pytest_plugins``: pytest
loads a module once per name, so a ``conftest.py`` that also lists them (pitchlake's own does)
does not register them twice.

The S3 fixtures need moto (``pip install 'pitchlake[test]'``); without it they are left out
rather than breaking every pytest run of an environment where pitchlake is installed.
"""

import importlib.util

pytest_plugins = ["pitchlake.testing.sandbox"] + (
    ["pitchlake.testing.moto"] if importlib.util.find_spec("moto") else []
)
