"""One ftqa report over many shards on a Ray cluster (``pip install 'ftqa[ray]'``).

Each Ray task runs ``ftqa report SHARD --partial`` on a worker for each of its shards and
returns the part files' bytes, so workers need no shared output filesystem (they do need to
read the shards, and the ``ftqa`` wheel installed). The driver then runs ``ftqa merge`` into
the report folder. The merged report's ``metrics`` are exactly those of ``ftqa report`` over
all the shards at once, given the shards in the same path form::

    import ray, ftqa.ray
    ray.init()                      # or ray.init(address="auto") on a cluster
    report = ftqa.ray.report(["shards/a.jsonl", "shards/b.jsonl"], "out/", num_workers=2)
    print(report["metrics"]["dedup.exact.rate"])
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

import ray

import ftqa

__all__ = ["report"]


@ray.remote
def _partials(shards: list[str], args: list[str], threads: int) -> dict[str, Any]:
    """Runs on a worker: the part of each shard, or the first failure (shard and message)."""
    parts = []
    for shard in shards:
        try:
            parts.append(ftqa.partial(shard, args, threads=threads))
        except ftqa.FtqaError as e:  # its message names the shard and carries stderr
            return {"error": str(e)}
        except Exception as e:  # reported by the driver with the shard's name
            return {"error": f"{shard}: {type(e).__name__}: {e}"}
    return {"parts": parts}


def _groups(shards: list[str], n: int) -> list[list[str]]:
    """``shards`` cut into ``n`` contiguous groups whose sizes differ by at most one."""
    size, extra = divmod(len(shards), n)
    out, at = [], 0
    for i in range(n):
        take = size + (1 if i < extra else 0)
        out.append(shards[at : at + take])
        at += take
    return out


def report(
    shards: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    args: Sequence[str] = (),
    num_workers: int | None = None,
    threads: int = 1,
    ray_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``ftqa report`` over ``shards`` on Ray; writes ``out_dir`` and returns report.json.

    - ``shards``: the shard paths as the workers see them (each is what ``ftqa report``
      reads: a file, a folder or a glob). Pass them in the path form a single-machine run
      would list them (``data/s0.jsonl`` for ``ftqa report data/``) for identical metrics.
    - ``args``: analysis flags for every shard (``["--only", "length,dedup"]``), the same
      for all; not ``-o``, ``--partial``, ``--threads``.
    - ``num_workers``: how many Ray tasks (shards are cut into that many contiguous groups,
      each task reporting its shards one after another); default one task per shard.
    - ``threads``: ``--threads`` of each ftqa process, and the CPUs each task asks Ray for.
    - ``ray_options``: more ``.options()`` for the tasks (``resources``, ``runtime_env``...).

    Uses the current Ray connection (``ray.init(...)`` first; otherwise Ray starts a local
    one). A failed shard raises :class:`ftqa.FtqaError` naming the shard, with ftqa's stderr.
    """
    if isinstance(shards, (str, bytes, os.PathLike)):
        raise TypeError("shards must be a list of paths, not one path")
    paths = [os.fspath(s) for s in shards]
    if not paths:
        raise ValueError("no shards")
    if num_workers is not None and num_workers < 1:
        raise ValueError("num_workers must be at least 1")
    if threads < 1:
        raise ValueError("threads must be at least 1")
    n = len(paths) if num_workers is None else min(num_workers, len(paths))
    task = _partials.options(num_cpus=threads, **dict(ray_options or {}))
    refs = [task.remote(group, list(args), threads) for group in _groups(paths, n)]
    results = ray.get(refs)
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        raise ftqa.FtqaError(
            f"{len(errors)} of {n} Ray tasks failed:\n" + "\n".join(errors)
        )
    parts = [part for r in results for part in r["parts"]]
    return ftqa.merge(parts, out_dir)
