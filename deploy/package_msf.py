"""Builds the Managed Service for Apache Flink application package (one zip).

    python -m deploy.package_msf [--out build/cdr-pipeline-msf.zip]

Layout (what the run options name):

    main.py                        entry file                    (python)
    lib/pyflink-dependencies.jar   connectors, CDR functions     (jarfile)
    app/                           jobs/ domain/ stream_io/ sql/   (pyFiles)
                                   tariffs/
                                   rules/
                                   flink-conf/
    dep/                           vendored Python packages      (pyFiles)

dep/ holds deploy/kinesis-analytics/requirements-msf.txt and what it needs, unpacked from
manylinux x86_64 wheels for CPython 3.12 (MSF's Python for Flink 2.2); MSF installs nothing
with pip. flink-conf/ is there for running the unzipped package locally only: on MSF the job
applies none of it, as every setting in it (checkpointing, state backend, restarts,
parallelism) is MSF's, set through the application's configuration (template.yaml).
The zip is reproducible: sorted entries, fixed timestamps.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT_ROOT / "deploy" / "kinesis-analytics"
ENTRY = DEPLOY / "main.py"
REQUIREMENTS = DEPLOY / "requirements-msf.txt"
JAR = PROJECT_ROOT / "lib" / "pyflink-dependencies.jar"
DEFAULT_OUT = PROJECT_ROOT / "build" / "cdr-pipeline-msf.zip"
WHEEL_CACHE = PROJECT_ROOT / "build" / "wheels-cp312"
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_x86_64"

# The application property group MSF reads to start a Python application.
RUN_OPTIONS = {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar", "pyFiles": "app/,dep/"}
# The project's code in app/: (folder, file patterns).
APP_CONTENT = (("jobs", ("*.py",)), ("domain", ("*.py",)), ("stream_io", ("*.py",)), ("sql", ("*.sql",)),
               ("tariffs", ("*.csv", "*.yaml")), ("rules", ("*.yaml",)), ("flink-conf", ("*.yaml",)))
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def download_wheels(cache: Path = WHEEL_CACHE) -> list[Path]:
    """The wheels of requirements-msf.txt and their dependencies, for CPython 3.12 on
    manylinux x86_64 only (a source distribution would be built for this machine: refused)."""
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                    "--only-binary=:all:", "--platform", PLATFORM, "--python-version", PYTHON_VERSION,
                    "--implementation", "cp", "--abi", "cp312", "--abi", "abi3", "--abi", "none",
                    "--dest", str(cache), "-r", str(REQUIREMENTS)], check=True)
    return sorted(cache.glob("*.whl"))


def _app_files() -> Iterator[tuple[Path, str]]:
    for folder, patterns in APP_CONTENT:
        for pattern in patterns:
            for path in sorted((PROJECT_ROOT / folder).rglob(pattern)):
                if "__pycache__" not in path.parts:
                    yield path, f"app/{path.relative_to(PROJECT_ROOT).as_posix()}"


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def build(out: Path = DEFAULT_OUT, wheels: list[Path] | None = None) -> Path:
    """Writes the package; returns its path."""
    if not JAR.exists():
        raise FileNotFoundError(f"{JAR} is missing: build it with `make jar`")
    wheels = download_wheels() if wheels is None else wheels
    entries: dict[str, bytes] = {"main.py": ENTRY.read_bytes(), RUN_OPTIONS["jarfile"]: JAR.read_bytes()}
    for path, name in _app_files():
        entries[name] = path.read_bytes()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.infolist():
                if not member.is_dir():
                    entries[f"dep/{member.filename}"] = archive.read(member)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out.parent, suffix=".zip", delete=False) as handle:
        partial = Path(handle.name)
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(entries):
            _add(archive, name, entries[name])
    shutil.move(partial, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.package_msf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        path = build(args.out)
    except (FileNotFoundError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with zipfile.ZipFile(path) as archive:
        count = len(archive.namelist())
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB, {count} files); run options: {RUN_OPTIONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
