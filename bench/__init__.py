"""pitchlake's benchmarks (``make bench``, ``bench/run.py``): each module is a script of its own
(``python bench/bench_dbt.py``). A package so that the tests import what they share with the
benchmarks from the repository root, as ``bench.bench_install``, with no ``sys.path`` edits."""
