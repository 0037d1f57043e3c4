"""The report as PDF: the HTML printed to A4 by headless Chromium, offline.

The browser is the Debian package ``chromium`` (or ``GEOLAGE_CHROMIUM``, a Chrome/Chromium
executable). When none is found, a :class:`~geolage.errors.GeolageWarning` says so and
only the HTML is written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from ...errors import GeolageWarning

__all__ = ["find_chromium", "html_to_pdf", "start_pdf", "PdfJob"]

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
    return start_pdf(html_path, pdf_path, timeout=timeout).finish()


#: A link in a report (to a sibling file such as an area's lägesbild).
_LINK = re.compile(r"<a href=\"[^\"]*\">(.*?)</a>", flags=re.S)


def _without_links(html_path: Path, folder: Path) -> Path:
    """The page to print: ``html_path``, or a copy in ``folder`` with its links as plain text.

    Chromium writes a printed link as an absolute ``file://`` address, which would put the
    machine's folders into the PDF; a reader of the PDF finds the other reports by their names.
    """
    text = html_path.read_text(encoding="utf-8", errors="replace")
    if "<a href=" not in text:
        return html_path
    copy = folder / html_path.name
    copy.write_text(_LINK.sub(r"\1", text), encoding="utf-8")
    return copy


class PdfJob:
    """One Chromium printing one HTML file to PDF, started by :func:`start_pdf`; :meth:`finish` waits.

    Chromium spends most of a print waiting (its start-up and the page's load), not
    computing, so a report's PDFs are printed side by side while the next report is
    drawn: start each with :func:`start_pdf` and call :meth:`finish` on all at the end.
    """

    def __init__(self, html_path: Path, pdf_path: Path, timeout: float) -> None:
        self.pdf_path = pdf_path
        self._tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.part")
        self._deadline = time.monotonic() + timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: str | None = None
        self._stderr: Any = None
        self._failure: str | None = None
        exe = find_chromium()
        if exe is None:
            self._failure = "Chromium not found (apt install chromium, or set GEOLAGE_CHROMIUM)"
            return
        self._profile = tempfile.mkdtemp(prefix="geolage-chromium-")
        self._stderr = tempfile.TemporaryFile()
        cmd = [exe, *_FLAGS, f"--user-data-dir={self._profile}", f"--print-to-pdf={self._tmp_pdf}",
               _without_links(html_path, Path(self._profile)).as_uri()]
        try:
            self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._stderr)
        except OSError as exc:
            self._failure = f"Chromium failed ({exc})"

    def cancel(self) -> None:
        """Stop the browser and remove what it wrote (the report failed; the PDF is not needed)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._release()
        self._tmp_pdf.unlink(missing_ok=True)

    def _release(self) -> None:
        """Close the browser's error log and remove its profile folder."""
        if self._stderr is not None:
            self._stderr.close()
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)

    def finish(self) -> bool:
        """Wait for the print; True when the PDF was written, else False with a :class:`GeolageWarning`."""
        try:
            if self._failure is None and self._proc is not None:
                try:
                    self._proc.wait(timeout=max(0.0, self._deadline - time.monotonic()))
                except subprocess.TimeoutExpired as exc:
                    self._proc.kill()
                    self._proc.wait()
                    self._failure = f"Chromium failed ({exc})"
                else:
                    if not _is_pdf(self._tmp_pdf):
                        self._stderr.seek(0)
                        err = self._stderr.read().decode("utf-8", errors="replace").strip().splitlines()[-1:] or [""]
                        self._failure = f"Chromium exited with {self._proc.returncode} ({err[0][:200]})"
        finally:
            self._release()
        if self._failure is not None:
            warnings.warn(f"PDF not written: {self._failure}; {_HTML_COMPLETE}", GeolageWarning, stacklevel=2)
            self._tmp_pdf.unlink(missing_ok=True)
            return False
        os.replace(self._tmp_pdf, self.pdf_path)
        return True


def start_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 180.0) -> PdfJob:
    """Start printing an HTML file to PDF with headless Chromium; call ``.finish()`` on the result.

    Parameters
    ----------
    html_path, pdf_path : str or Path
    timeout : float
        Seconds from the start before the browser is stopped.

    Returns
    -------
    PdfJob
        Its :meth:`PdfJob.finish` waits and says whether the PDF was written.
    """
    return PdfJob(Path(html_path).resolve(), Path(pdf_path).resolve(), timeout)
