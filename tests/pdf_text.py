"""Read a PDF back as people and tools would: poppler's pdftotext, pdfinfo and pdffonts."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def _run(tool: str, data: bytes, *extra: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(data)
        args = [tool, *extra, str(path)] + (["-"] if tool == "pdftotext" else [])
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_text(data: bytes) -> str:
    """The text of the PDF, whitespace collapsed to single spaces."""
    return " ".join(_run("pdftotext", data).split())


def pdf_info(data: bytes) -> dict[str, str]:
    lines = _run("pdfinfo", data).splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def pdf_fonts(data: bytes) -> str:
    return _run("pdffonts", data)


def pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated, so compressed object streams
    (where the catalog's /StructTreeRoot, /MarkInfo and /Lang live) can be searched."""
    import re
    import zlib

    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)
