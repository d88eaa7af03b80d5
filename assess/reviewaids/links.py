"""Does a link answer? A HEAD request (a GET when the server refuses HEAD) with a short timeout.

The server, not the reviewer's browser, asks, so a link into the platform's own network (loopback, private,
link-local addresses) is not asked at all unless ``AIDS_CHECK_PRIVATE_LINKS`` is set: a department must not be
able to probe the inside through its evidence. A redirect counts as an answer (it is not followed).
"""
from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable
from urllib.parse import urlsplit

NO_ANSWER = 0  # refused, timed out, unknown host
NOT_CHECKED = -1  # an internal address, not asked


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _internal(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError, OSError):
        return False  # unknown host: asking fails by itself
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return True
    return False


def status(url: str, *, timeout: float = 5.0, allow_private: bool = False) -> int:
    """The HTTP status the link answers with (3xx included), :data:`NO_ANSWER` or :data:`NOT_CHECKED`."""
    host = urlsplit(url).hostname or ""
    if not host:
        return NO_ANSWER
    if not allow_private and _internal(host):
        return NOT_CHECKED
    for method in ("HEAD", "GET"):
        req = urllib.request.Request(url, method=method, headers={"User-Agent": "assess-link-check/1"})
        try:
            with _opener.open(req, timeout=timeout) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):  # some servers refuse HEAD only
                continue
            return exc.code
        except (urllib.error.URLError, OSError, ValueError):
            return NO_ANSWER
    return NO_ANSWER


def statuses(urls: Iterable[str], *, timeout: float = 5.0, allow_private: bool = False,
             workers: int = 16) -> dict[str, int]:
    """The answer of each distinct link, asked in parallel (a campaign's links in minutes, not hours)."""
    distinct = sorted(set(urls))
    if not distinct:
        return {}
    with ThreadPoolExecutor(max_workers=min(workers, len(distinct))) as pool:
        answers = pool.map(lambda u: status(u, timeout=timeout, allow_private=allow_private), distinct)
        return dict(zip(distinct, answers))


def dead(code: int) -> bool:
    """No answer, or an error status (4xx/5xx)."""
    return code == NO_ANSWER or code >= 400
