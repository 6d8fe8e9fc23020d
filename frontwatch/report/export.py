"""Write a report: the HTML file itself, or a PDF or PNG of it printed by a headless Chromium
(Debian's ``chromium``; nothing is downloaded)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ExportError  # (defined there since #12, importable here as before)

FORMATS = ("html", "pdf", "png")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
ENV_BROWSER = "FRONTWATCH_CHROMIUM"
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars"]  # fmt: skip


def browser() -> str | None:
    """The headless browser that prints PDF and PNG: ``$FRONTWATCH_CHROMIUM``, else the
    first Chromium on the PATH."""
    env = os.environ.get(ENV_BROWSER)
    if env:
        return env
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def format_of(path: str | Path, fmt: str | None) -> str:
    """The asked format, else the output's suffix when it is one of :data:`FORMATS`, else html."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "html"


def write(html: str, path: str | Path, fmt: str = "html", *, width: int = 1100, timeout: float = 120) -> Path:
    """Write ``html`` to ``path`` as HTML, or as a PDF or a full-page PNG printed by Chromium."""
    path = Path(path)
    if fmt == "html":
        path.write_text(html, encoding="utf-8")
        return path
    exe = browser()
    if exe is None:
        raise ExportError(f"--format {fmt} needs Chromium (Debian: apt-get install chromium, or set "
                          f"${ENV_BROWSER}); --format html needs nothing")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="frontwatch-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        out = Path(tmp) / f"report.{fmt}"
        args = [exe, *BROWSER_FLAGS, f"--user-data-dir={tmp}/profile"]
        if fmt == "pdf":
            args += ["--no-pdf-header-footer", f"--print-to-pdf={out}"]
        else:
            args += [f"--window-size={width},{_height(html)}", f"--screenshot={out}"]
        try:
            subprocess.run([*args, page.as_uri()], check=True, capture_output=True, timeout=timeout)
        except (subprocess.SubprocessError, OSError) as exc:
            raise ExportError(f"{exe} could not print the report as {fmt}: {exc}") from exc
        if not out.exists():
            raise ExportError(f"{exe} wrote no {fmt} file")
        shutil.move(out, path)
    return path


def _height(html: str) -> int:
    """A page height for the PNG: rough, from the number of rows and pictures."""
    return min(16000, 900 + 28 * html.count("<tr") + 900 * html.count("<img"))
