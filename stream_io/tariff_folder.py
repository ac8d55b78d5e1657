"""A tariff folder's texts (domain/tariff_files.py's format), by path relative to the folder:
a local folder, or an s3:// (or file://) folder URI. What the operator's check and quote read
(ops/tariffs.py); the job's JVM reads the same folder itself (TariffFolder.java)."""

from __future__ import annotations

from pathlib import Path

from pyarrow import fs

from stream_io.dead_letter_store import location as folder_location


def read_folder(where: str | Path, *, region: str = "", endpoint: str = "") -> dict[str, str]:
    """Every file under the folder but hidden ones (an editor's, a sync tool's), as text."""
    text = str(where)
    if "://" in text:
        filesystem, root = folder_location(text, region, endpoint)
    else:
        filesystem, root = fs.LocalFileSystem(), str(Path(text).resolve())
    found = filesystem.get_file_info(fs.FileSelector(root, recursive=True))
    files = {}
    for info in found:
        relative = info.path[len(root.rstrip("/")) + 1:]
        if info.type != fs.FileType.File or any(part.startswith(".") for part in relative.split("/")):
            continue
        with filesystem.open_input_stream(info.path) as stream:
            files[relative] = stream.read().decode("utf-8")
    return files
