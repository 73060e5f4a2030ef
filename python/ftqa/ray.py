"""ftqa report and ftqa dedup over many shards on a Ray cluster (``pip install 'ftqa[ray]'``).

Each Ray task runs ``ftqa report SHARD --partial`` on a worker for each of its shards and
returns the part files' bytes, so workers need no shared output filesystem (they do need to
read the shards, and the ``ftqa`` wheel installed). The driver then runs ``ftqa merge`` into
the report folder. The merged report's ``metrics`` are exactly those of ``ftqa report`` over
all the shards at once, given the shards in the same path form::

    import ray, ftqa.ray
    ray.init()                      # or ray.init(address="auto") on a cluster
    report = ftqa.ray.report(["shards/a.jsonl", "shards/b.jsonl"], "out/", num_workers=2)
    print(report["metrics"]["dedup.exact.rate"])

:func:`dedup` runs ``ftqa dedup`` in its three steps (signatures per shard on the workers,
one plan on the driver, kept records per shard on the workers) and writes what ``ftqa
dedup`` over all the shards writes: the same kept rows and ``removed.jsonl``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import ray

import ftqa

__all__ = ["report", "dedup"]


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


@ray.remote
def _signatures(shards: list[str], args: list[str]) -> dict[str, Any]:
    """Runs on a worker: each shard's dedup signatures, or the first failure."""
    try:
        return {"parts": [ftqa.dedup_signatures(s, args) for s in shards]}
    except Exception as e:  # FtqaError names the shard and carries stderr
        return {"error": f"{type(e).__name__}: {e}"}


@ray.remote
def _apply(shards: list[str], plan: bytes) -> dict[str, Any]:
    """Runs on a worker: each shard's kept records (path -> bytes), or the first failure."""
    try:
        files: dict[str, bytes] = {}
        for s in shards:
            files.update(ftqa.dedup_apply(s, plan))
        return {"files": files}
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}


def _gather(refs: list[Any], n: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = ray.get(refs)
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        raise ftqa.FtqaError(
            f"{len(errors)} of {n} Ray tasks failed:\n" + "\n".join(errors)
        )
    return results


def _shard_groups(
    shards: Sequence[str | os.PathLike[str]], num_workers: int | None
) -> list[list[str]]:
    """The shards checked and cut into one group per task (default: one task a shard)."""
    if isinstance(shards, (str, bytes, os.PathLike)):
        raise TypeError("shards must be a list of paths, not one path")
    paths = [os.fspath(s) for s in shards]
    if not paths:
        raise ValueError("no shards")
    if num_workers is not None and num_workers < 1:
        raise ValueError("num_workers must be at least 1")
    n = len(paths) if num_workers is None else min(num_workers, len(paths))
    return _groups(paths, n)


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
    if threads < 1:
        raise ValueError("threads must be at least 1")
    groups = _shard_groups(shards, num_workers)
    task = _partials.options(num_cpus=threads, **dict(ray_options or {}))
    refs = [task.remote(group, list(args), threads) for group in groups]
    results = _gather(refs, len(groups))
    parts = [part for r in results for part in r["parts"]]
    return ftqa.merge(parts, out_dir)


def dedup(
    shards: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    args: Sequence[str] = (),
    num_workers: int | None = None,
    ray_options: Mapping[str, Any] | None = None,
) -> Path:
    """``ftqa dedup`` over ``shards`` on Ray; returns ``out_dir``.

    Writes ``out_dir/removed.jsonl`` and ``out_dir/plan.json`` (from the driver) and each
    shard's kept records under ``out_dir`` by file name (returned from the workers, so no
    shared output filesystem is needed). ``args`` are ``ftqa dedup`` flags (``["--level",
    "semantic"]``), the same for every shard; shards and workers as for :func:`report`.
    """
    groups = _shard_groups(shards, num_workers)
    n = len(groups)
    options = dict(ray_options or {})
    sig_task = _signatures.options(num_cpus=1, **options)
    results = _gather([sig_task.remote(g, list(args)) for g in groups], n)
    out = Path(out_dir)
    plan = ftqa.dedup_merge((p for r in results for p in r["parts"]), out)
    plan_ref = ray.put(plan.read_bytes())
    apply_task = _apply.options(num_cpus=1, **options)
    for r in _gather([apply_task.remote(g, plan_ref) for g in groups], n):
        for name, data in r["files"].items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return out
