"""The ftqa binary, packaged for pip.

``pip install ftqa`` puts the ``ftqa`` binary into the environment's scripts directory
(beside ``python``); this package finds and runs it. Nothing here needs Ray: the Ray helper
is ``ftqa.ray`` (``pip install 'ftqa[ray]'``).

- :func:`binary` is the path of the ``ftqa`` binary.
- :func:`partial` runs ``ftqa report SHARD --partial`` and returns the part file's bytes.
- :func:`merge` writes the parts and runs ``ftqa merge`` into a report folder.

:func:`partial` and :func:`merge` are all a cluster needs: run :func:`partial` on the
workers, ship the bytes back, :func:`merge` on the driver (``ftqa.ray.report`` does that on
Ray; ``examples/dask_report.py`` on Dask).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence, Union

__all__ = [
    "FtqaError",
    "binary",
    "partial",
    "merge",
    "dedup_signatures",
    "dedup_merge",
    "dedup_apply",
]

StrPath = Union[str, "os.PathLike[str]"]

_EXE = "ftqa.exe" if os.name == "nt" else "ftqa"


class FtqaError(RuntimeError):
    """ftqa could not be found, or a run of it failed (the message carries its stderr)."""


def _scripts_dirs() -> list[Path]:
    """Where pip puts a wheel's scripts: this environment's, then the user scheme's."""
    dirs = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        dirs.append(sysconfig.get_path("scripts", scheme=user_scheme))
    return [Path(d) for d in dirs if d]


def binary() -> str:
    """The path of the ``ftqa`` binary.

    Looked for, in order: the scripts directory this package was installed with (the wheel's
    binary), the ``FTQA_BIN`` environment variable, then ``PATH``.
    """
    for d in _scripts_dirs():
        candidate = d / _EXE
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    env = os.environ.get("FTQA_BIN")
    if env:
        if Path(env).is_file() and os.access(env, os.X_OK):
            return env
        raise FtqaError(f"FTQA_BIN={env} is not an executable file")
    found = shutil.which(_EXE)
    if found:
        return found
    looked = ", ".join(str(d) for d in _scripts_dirs())
    raise FtqaError(
        f"no ftqa binary: not in {looked}, FTQA_BIN is not set, and none is on PATH "
        "(pip install ftqa, or cargo install --locked --path . from a checkout)"
    )


def _run(args: Sequence[str], what: str) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([binary(), *args], capture_output=True)
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise FtqaError(f"{what} failed (exit {done.returncode}):\n{stderr}")
    return done


def _write_files(blobs: Iterable[bytes], folder: Path, what: str) -> list[str]:
    """Writes each blob to ``folder`` as a numbered ``.ftqa`` file; their paths, in order."""
    paths = []
    for i, data in enumerate(blobs):
        path = folder / f"{what}-{i:05}.ftqa"
        path.write_bytes(data)
        paths.append(str(path))
    if not paths:
        raise FtqaError(f"nothing to merge: no {what} files")
    return paths


def partial(shard: StrPath, args: Iterable[str] = (), *, threads: int = 1) -> bytes:
    """``ftqa report SHARD --partial`` (with the analysis flags ``args``): the part's bytes.

    ``shard`` is anything ``ftqa report`` reads (a file, a folder of shards, a glob). Runs
    quietly on ``threads`` threads in a temporary folder; nothing else is written.
    """
    with tempfile.TemporaryDirectory(prefix="ftqa-part-") as tmp:
        part = Path(tmp) / "part.ftqa"
        cmd = ["report", os.fspath(shard), "--partial", "-o", str(part)]
        cmd += ["--quiet", "--no-progress", "--threads", str(threads), *args]
        _run(cmd, f"ftqa report {os.fspath(shard)} --partial")
        return part.read_bytes()


def merge(parts: Iterable[bytes], out_dir: StrPath) -> dict[str, Any]:
    """Writes ``parts`` (from :func:`partial`) to a temporary folder, runs ``ftqa merge``
    into ``out_dir`` (report.json, report.md, report.html) and returns report.json parsed.
    """
    with tempfile.TemporaryDirectory(prefix="ftqa-merge-") as tmp:
        paths = _write_files(parts, Path(tmp), "part")
        _run(["merge", *paths, "-o", os.fspath(out_dir), "--quiet"], "ftqa merge")
    with open(Path(out_dir) / "report.json", encoding="utf-8") as f:
        report: dict[str, Any] = json.load(f)
    return report


def dedup_signatures(shard: StrPath, args: Iterable[str] = ()) -> bytes:
    """``ftqa dedup SHARD --partial`` (with the dedup flags ``args``): the signature file's
    bytes, step one of dedup across machines."""
    with tempfile.TemporaryDirectory(prefix="ftqa-sig-") as tmp:
        sig = Path(tmp) / "sig.ftqa"
        cmd = ["dedup", os.fspath(shard), "--partial", "-o", str(sig), "--quiet"]
        cmd += ["--no-progress", *args]
        _run(cmd, f"ftqa dedup {os.fspath(shard)} --partial")
        return sig.read_bytes()


def dedup_merge(signatures: Iterable[bytes], out_dir: StrPath) -> Path:
    """Step two: ``ftqa dedup SIG... --merge -o out_dir`` over the signature files' bytes.
    Writes ``out_dir/removed.jsonl`` and ``out_dir/plan.json``; returns the plan's path."""
    with tempfile.TemporaryDirectory(prefix="ftqa-sigs-") as tmp:
        paths = _write_files(signatures, Path(tmp), "signature")
        cmd = ["dedup", *paths, "--merge", "-o", os.fspath(out_dir), "--quiet"]
        _run(cmd, "ftqa dedup --merge")
    return Path(out_dir) / "plan.json"


def dedup_apply(shard: StrPath, plan: bytes) -> dict[str, bytes]:
    """Step three: ``ftqa dedup SHARD --apply PLAN`` with the plan's bytes; returns the kept
    records as written, by output path relative to the output folder."""
    with tempfile.TemporaryDirectory(prefix="ftqa-apply-") as tmp:
        plan_path = Path(tmp) / "plan.json"
        plan_path.write_bytes(plan)
        out = Path(tmp) / "out"
        cmd = ["dedup", os.fspath(shard), "--apply", str(plan_path), "-o", str(out)]
        _run(cmd + ["--quiet"], f"ftqa dedup {os.fspath(shard)} --apply")
        return {
            str(f.relative_to(out)): f.read_bytes()
            for f in sorted(out.rglob("*"))
            if f.is_file()
        }


def _main() -> None:
    """``python -m ftqa ARGS``: runs the binary with ARGS (replacing this process on POSIX)."""
    try:
        exe = binary()
    except FtqaError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    argv = [exe, *sys.argv[1:]]
    if os.name == "nt":
        sys.exit(subprocess.call(argv))
    os.execv(exe, argv)
