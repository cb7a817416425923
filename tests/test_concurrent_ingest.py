"""Two ingests of the same scope at once (two processes, as two schedulers or a retried task
would start them): every partition is written once, and the API is not paid twice, thanks to the
partition leases taken with the lake's conditional writes."""

from __future__ import annotations

from collections import Counter

from .rig import KEY, MINIMUM, Rig, cli

#: The second process's API key: the sandbox counts each key's requests, in the order it served them.
SECOND_KEY = "second-sandbox-key"


def test_two_ingests_at_once_split_the_work(tmp_path, sandbox_factory, api_key, clean_lake, lake_uri):
    rig = Rig(tmp_path, sandbox_factory, lake_uri, latency_ms=50, keys=(KEY, SECOND_KEY))
    first = cli(rig.config_path, "ingest", "--json")
    second = cli(rig.config_path, "ingest", "--json", env={"FOOTBALL_API_KEY": SECOND_KEY})
    outputs = [process.communicate(timeout=180) for process in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, [err[-400:] for _, err in outputs]
    # they ran at once: each sent requests, and each one's first came before the other's last
    ran = rig.sandbox.stats()["by_key"]
    assert set(ran) == {KEY, SECOND_KEY}, ran
    assert ran[KEY]["first"] < ran[SECOND_KEY]["last"] and ran[SECOND_KEY]["first"] < ran[KEY]["last"], ran
    # the first one to finish may have left derived work to the other; a third run completes
    # whatever that was and must find nothing left to pay for
    third = cli(rig.config_path, "ingest")
    third.communicate(timeout=180)
    files = rig.files()
    assert files == clean_lake
    written = Counter(key.rsplit("/ingestion_date=", 1)[0] for key in files if key.endswith("/data.json"))
    assert set(written.values()) == {1}
    assert rig.served() <= MINIMUM + rig.config.api.concurrency, rig.sandbox.stats()["by_endpoint"]
