"""One ftqa report over many shards on a Dask cluster: the same partial/merge as ftqa.ray.

Each Dask task runs ``ftqa report SHARD --partial`` (``ftqa.partial``) on a worker and returns
the part file's bytes; the client merges them (``ftqa.merge``, i.e. ``ftqa merge``) into the
report folder. Workers need the ``ftqa`` wheel installed and read access to the shards.

    pip install target/wheels/ftqa-*.whl 'dask[distributed]'
    python examples/dask_report.py out/ shards/shard-*.jsonl            # a local cluster
    python examples/dask_report.py out/ shards/*.jsonl --scheduler tcp://host:8786

NOT part of the test suite: it was run by hand once (dask 2026.8.0, a local cluster of 4
single-threaded workers, 8 shards), where its report.json ``metrics`` equalled those of
``ftqa report shards/``. ``tests/python_package.rs`` tests the Ray helper, which does the same.
"""

from __future__ import annotations

import argparse

from dask.distributed import Client, LocalCluster

import ftqa


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", help="the report folder to write")
    p.add_argument("shards", nargs="+", help="shard paths, as every worker sees them")
    p.add_argument("--scheduler", help="a Dask scheduler address (default: a local cluster)")
    p.add_argument("--workers", type=int, default=4, help="local cluster size (default 4)")
    a = p.parse_args()
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        client = Client(LocalCluster(n_workers=a.workers, threads_per_worker=1))
    with client:
        # pure=False: each call really runs (no caching by argument).
        futures = client.map(ftqa.partial, a.shards, pure=False)
        parts = client.gather(futures)  # a failed shard raises ftqa.FtqaError naming it
    report = ftqa.merge(parts, a.out)
    print(f"{a.out}/report.json: {len(report['metrics'])} metrics from {len(parts)} parts")


if __name__ == "__main__":
    main()
