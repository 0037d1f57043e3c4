"""The report as PDF: the HTML printed to A4 by headless Chromium, offline.

The browser is the Debian package ``chromium`` (or ``GEOLAGE_CHROMIUM``, a Chrome/Chromium
executable). When none is found, a :class:`~geolage.errors.GeolageWarning` says so and
only the HTML is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from ...errors import GeolageWarning

__all__ = ["find_chromium", "html_to_pdf"]

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Headless, no network, no profile left behind, no header/footer of the browser's own.
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
          "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
          "--host-resolver-rules=MAP * ~NOTFOUND", "--no-pdf-header-footer")

_HTML_COMPLETE = "the HTML report is complete"


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable: ``$GEOLAGE_CHROMIUM``, else the first on PATH."""
    env = os.environ.get("GEOLAGE_CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in _BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _is_pdf(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0 and path.read_bytes()[:5] == b"%PDF-"


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 180.0) -> bool:
    """Print an HTML file to an A4 PDF with headless Chromium, offline.

    Parameters
    ----------
    html_path, pdf_path : str or Path
    timeout : float
        Seconds before the browser is stopped.

    Returns
    -------
    bool
        True when the PDF was written; False (with a :class:`GeolageWarning`) when no
        browser was found or printing failed.
    """
    exe = find_chromium()
    if exe is None:
        warnings.warn(f"PDF not written: Chromium not found (apt install chromium, or set GEOLAGE_CHROMIUM); "
                      f"{_HTML_COMPLETE}", GeolageWarning, stacklevel=2)
        return False
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.part")
    with tempfile.TemporaryDirectory(prefix="geolage-chromium-") as profile:
        cmd = [exe, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp_pdf}", html_path.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            warnings.warn(f"PDF not written: Chromium failed ({exc}); {_HTML_COMPLETE}", GeolageWarning, stacklevel=2)
            tmp_pdf.unlink(missing_ok=True)
            return False
    if not _is_pdf(tmp_pdf):
        err = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or [""]
        warnings.warn(f"PDF not written: Chromium exited with {proc.returncode} ({err[0][:200]}); {_HTML_COMPLETE}",
                      GeolageWarning, stacklevel=2)
        tmp_pdf.unlink(missing_ok=True)
        return False
    os.replace(tmp_pdf, pdf_path)
    return True
