"""PDF rendering with WeasyPrint: one font configuration, one stylesheet, a locked-down fetcher.

Reports are HTML templates rendered to tagged PDF (PDF/UA-1): the document language comes from
``<html lang>``, the title from ``<title>``, and every chart is an inline SVG whose ``<title>``
becomes the figure's alternative text. Text stays text, so it can be selected and read aloud.

Nothing a report contains may reach the network. :class:`StaticOnlyFetcher` serves the app's own
static files (found through Django's staticfiles finders, the same files the site serves) and
``data:`` URIs, and refuses every other URL — no HTTP, no ``file:``, no redirects. Comments are
escaped by the template engine anyway; the fetcher is the second wall.

The font is Inter (SIL Open Font License 1.1), installed from the Debian package ``fonts-inter``
by ``scripts/install-system-deps.sh`` and found by family name through fontconfig, so no font
file is fetched at all. WeasyPrint embeds only the glyphs used (subsetting).
"""

from __future__ import annotations

import base64
import binascii
import gc
import logging
import posixpath
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from pydyf import Stream
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

logger = logging.getLogger(__name__)

# Documents are parsed against this base URL. ".invalid" never resolves (RFC 2606), so even a
# URL that slipped past the fetcher could not reach a host.
BASE_URL = "https://pillars.invalid/"
STYLESHEET = "css/pdf.css"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}
PDF_VARIANT = "pdf/ua-1"
FONT_FAMILY = "Inter"
FONT_LICENCE = "SIL Open Font License 1.1"

REFUSED_URL = "Refused to fetch a URL outside the app's static files."
UNKNOWN_PAGE_SIZE = "Unknown page size; use one of: a4, letter."

_CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


class FetchRefused(ValueError):
    """A URL the report may not load. WeasyPrint logs it and leaves the resource out."""


def _decode_data_url(url: str) -> tuple[str, bytes]:
    """The media type and bytes of a ``data:`` URL (RFC 2397), decoded in memory.

    urllib's DataHandler does the same through a Request and an email parser, at about a
    millisecond a chart; reports carry dozens of charts as data URLs.
    """
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise FetchRefused(REFUSED_URL)
    params = header.split(";")
    media_type = params[0].strip().lower() or "text/plain"
    if params[-1].strip().lower() == "base64":
        try:
            return media_type, base64.b64decode(unquote_to_bytes(payload), validate=True)
        except binascii.Error as error:
            raise FetchRefused(REFUSED_URL) from error
    return media_type, unquote_to_bytes(payload)


class StaticOnlyFetcher(URLFetcher):
    """Serves the app's static files and ``data:`` URIs; refuses everything else.

    ``refused`` lists the URLs turned away, so tests and callers can see what a document asked
    for. Redirects cannot happen: nothing here speaks HTTP.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "https"}, allow_redirects=False)
        self.refused: list[str] = []
        self._static_prefix = BASE_URL + settings.STATIC_URL.lstrip("/")

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            try:
                content_type, body = _decode_data_url(url)
            except FetchRefused:
                self._refuse(url)
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        path = self._static_path(url)
        if path is None:
            self._refuse(url)
        content_type = _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def _refuse(self, url: str) -> NoReturn:
        self.refused.append(url)
        logger.warning("PDF fetch refused: %.200s", url)
        raise FetchRefused(REFUSED_URL)

    def _static_path(self, url: str) -> Path | None:
        """The file behind one of our static URLs, or None for anything else."""
        parts = urlsplit(url)
        if parts.query or parts.fragment or parts.username or parts.password:
            return None
        bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
        if not bare.startswith(self._static_prefix):
            return None
        relative = unquote(bare[len(self._static_prefix) :])
        # Refuse traversal before asking the finders (which would refuse it too).
        if (
            not relative
            or "\\" in relative
            or "\x00" in relative
            or relative.startswith("/")
            or posixpath.normpath(relative) != relative
            or ".." in relative.split("/")
        ):
            return None
        found = finders.find(relative)
        if not found:
            return None
        return Path(found)


# --- One font configuration and one stylesheet per process, built on first use ----------------

_lock = threading.Lock()
_shared: dict[str, Any] = {}


def _font_config() -> FontConfiguration:
    if "fonts" not in _shared:
        _shared["fonts"] = FontConfiguration()
    return _shared["fonts"]


def _stylesheets(page_size: str) -> list[CSS]:
    """The report stylesheet (parsed once) and a one-line page-size sheet (one per size)."""
    if "main" not in _shared:
        css_path = finders.find(STYLESHEET)
        if not css_path:
            raise FileNotFoundError(STYLESHEET)
        _shared["main"] = CSS(
            string=Path(css_path).read_text(encoding="utf-8"),
            base_url=BASE_URL + settings.STATIC_URL.lstrip("/") + "css/",
            url_fetcher=StaticOnlyFetcher(),
            font_config=_font_config(),
        )
    key = f"size:{page_size}"
    if key not in _shared:
        _shared[key] = CSS(
            string=f"@page {{ size: {PAGE_SIZES[page_size]}; }}", font_config=_font_config()
        )
    return [_shared["main"], _shared[key]]


def page_size_default() -> str:
    size = str(getattr(settings, "PILLARS_PDF_PAGE_SIZE", "a4")).lower()
    return size if size in PAGE_SIZES else "a4"


def html_to_pdf(html: str, *, page_size: str | None = None) -> bytes:
    """Render an HTML document to a tagged PDF (PDF/UA-1) with the shared stylesheet."""
    size = (page_size or page_size_default()).lower()
    if size not in PAGE_SIZES:
        raise ValueError(UNKNOWN_PAGE_SIZE)
    # WeasyPrint's font configuration is not documented as thread-safe: one render at a time
    # per process. Rendering is CPU-bound, so threads would not run it faster anyway.
    with _lock, _fewer_collections():
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
        return document.write_pdf(
            stylesheets=_stylesheets(size),
            font_config=_font_config(),
            pdf_variant=PDF_VARIANT,
            finisher=_finish,
        )


def _finish(document: Any, pdf: Any) -> None:
    header_scopes_add(document, pdf)
    streams_compress(pdf)


# zlib's default level. pydyf compresses every stream at level 9, which on a report's page
# contents and fonts takes about three times as long for files about 1% smaller.
STREAM_COMPRESSION_LEVEL = 6


def streams_compress(pdf: Any) -> None:
    """Compress the PDF's streams (pages, fonts, images) at :data:`STREAM_COMPRESSION_LEVEL`.

    Runs in WeasyPrint's ``finisher``: each stream that pydyf would compress on writing is
    compressed here instead and written as it is (a ``/FlateDecode`` stream like pydyf's).
    """
    for stream in pdf.objects:
        if not isinstance(stream, Stream) or not stream.compress:
            continue
        stream.compress = False
        # The stream's bytes as pydyf writes them: "<<dictionary>>\nstream\n…\nendstream".
        body = stream.data.partition(b"\nstream\n")[2].rpartition(b"\nendstream")[0]
        stream.stream = [zlib.compress(body, STREAM_COMPRESSION_LEVEL)]
        stream.extra["Filter"] = "/FlateDecode"


def header_scopes_add(document: Any, pdf: Any) -> None:
    """Give every table header cell its /Scope, which PDF/UA requires and WeasyPrint (70) does
    not write: /Column for a header in a header row group (``<thead>``), /Row for one in the
    body (our templates put ``<th scope="row">`` there, and WeasyPrint already links the data
    cells to both kinds through /Headers).

    Runs as WeasyPrint's ``finisher``, on the structure tree right before the file is written.
    """
    objects = pdf.objects

    def parent_tag(element: Any) -> str:
        reference = element.get("P")
        if not reference:
            return ""
        parent = objects[int(bytes(reference).split()[0])]
        return str(parent.get("S", "")) if hasattr(parent, "get") else ""

    for element in objects:
        if not hasattr(element, "get") or element.get("S") != "/TH":
            continue
        row = objects[int(bytes(element["P"]).split()[0])]
        group = parent_tag(row)
        attributes = element.get("A")
        if attributes is None:
            continue
        attributes["Scope"] = "/Column" if group == "/THead" else "/Row"


# A render allocates a few hundred thousand short-lived objects (boxes, styles, PDF objects).
# With Python's default threshold (700) the cyclic collector runs hundreds of times per report,
# each time scanning the young objects that are still alive; one report in ten of its time.
RENDER_GC_THRESHOLD = 50_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Raise the young generation's collection threshold for the length of one render."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], RENDER_GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def template_to_pdf(
    template_name: str, context: Mapping[str, Any], *, page_size: str | None = None
) -> bytes:
    """Render a template (autoescaped, like every page) and then the HTML to PDF."""
    size = (page_size or page_size_default()).lower()
    html = render_to_string(template_name, {**context, "page_size": size})
    return html_to_pdf(html, page_size=size)
