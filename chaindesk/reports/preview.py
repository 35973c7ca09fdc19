"""A PNG preview of a briefing's first page: LibreOffice headless turns the DOCX into a PDF, pdftoppm rasterises page 1.

Both run as plain subprocesses (no shell) in a temporary directory, LibreOffice with a throw-away user profile
(-env:UserInstallation), so concurrent previews never share or lock a profile, and with FONTCONFIG_FILE pointing at
chaindesk/reports/fonts/fonts.conf, which maps the official families the layout names (方正小标宋简体, 仿宋_GB2312,
黑体, 楷体_GB2312, 宋体) to the free stand-ins scripts/setup_system.sh installs, so a preview never shows boxes.

The preview is a nicety: without soffice or pdftoppm (`available()` says so), on a time-out or a failed conversion, the
functions log why and return None, and the briefing itself is still generated and downloadable.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess  # noqa: S404 - fixed argument lists, no shell
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

FONTS_CONF = Path(__file__).resolve().parent / "fonts" / "fonts.conf"
PREVIEW_DPI = 80


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    """True when both LibreOffice (soffice) and pdftoppm are installed, so previews can be made."""
    return _soffice() is not None and shutil.which("pdftoppm") is not None


def render_environment(profile_dir: Path) -> dict[str, str]:
    """The environment the converters run in: the process's own, with the font aliases and a private HOME (LibreOffice
    writes there despite -env:UserInstallation) and the C.UTF-8 locale so file names and messages are stable."""
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    env["HOME"] = str(profile_dir)
    env.setdefault("LANG", "C.UTF-8")
    return env


def _run(args: list[str], *, timeout: float, env: dict[str, str], cwd: Path) -> bool:
    """Run `args` in a session of its own, so that on a time-out the whole process group goes (soffice is a launcher
    whose soffice.bin child would otherwise live on); True when it exited 0."""
    name = Path(args[0]).name
    try:
        process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as exc:
        logger.warning("preview: %s could not run: %s", name, exc)
        return False
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        logger.warning("preview: %s timed out after %ss", name, timeout)
        return False
    if process.returncode != 0:
        logger.warning("preview: %s exited %s: %s", name, process.returncode, stderr.decode("utf-8", "replace")[-500:])
        return False
    return True


def _convert_to_pdf(docx: bytes, work: Path, *, timeout: float) -> Path | None:
    soffice = _soffice()
    if soffice is None:
        logger.info("preview: LibreOffice (soffice) is not installed; no preview")
        return None
    source = work / "briefing.docx"
    source.write_bytes(docx)
    profile = work / "profile"
    profile.mkdir()
    args = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "pdf:writer_pdf_Export",
        "--outdir",
        str(work),
        str(source),
    ]
    if not _run(args, timeout=timeout, env=render_environment(profile), cwd=work):
        return None
    pdf = work / "briefing.pdf"
    if not pdf.is_file():
        logger.warning("preview: LibreOffice produced no PDF")
        return None
    return pdf


def render_pdf(docx: bytes, *, timeout: float = 60) -> bytes | None:
    """The DOCX converted to PDF by LibreOffice headless, or None (logged) when it cannot be."""
    with tempfile.TemporaryDirectory(prefix="chaindesk-preview-") as tmp:
        pdf = _convert_to_pdf(docx, Path(tmp), timeout=timeout)
        return pdf.read_bytes() if pdf else None


def render_first_page(docx: bytes, *, timeout: float = 60) -> bytes | None:
    """The first page of the DOCX as a PNG at 80 dpi (an A4 page is 661 × 935 pixels), or None (logged) when LibreOffice
    or pdftoppm is missing or fails. `timeout` applies to each of the two steps."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        logger.info("preview: pdftoppm (poppler-utils) is not installed; no preview")
        return None
    with tempfile.TemporaryDirectory(prefix="chaindesk-preview-") as tmp:
        work = Path(tmp)
        pdf = _convert_to_pdf(docx, work, timeout=timeout)
        if pdf is None:
            return None
        args = [pdftoppm, "-png", "-r", str(PREVIEW_DPI), "-f", "1", "-l", "1", "-singlefile", str(pdf), "page"]
        if not _run(args, timeout=timeout, env=render_environment(work / "profile"), cwd=work):
            return None
        png = work / "page.png"
        if not png.is_file():
            logger.warning("preview: pdftoppm produced no PNG")
            return None
        return png.read_bytes()
