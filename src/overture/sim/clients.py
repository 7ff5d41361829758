"""Mail clients: what an email service reports when each one opens a message or clicks a link.

The simulated feed carries user agents and IP addresses only, as a real provider's does:

- Apple Mail Privacy Protection fetches every delivered message through Apple's proxies a few
  seconds to minutes after delivery, with the user agent exactly ``Mozilla/5.0`` and an address
  in ``17.0.0.0/8`` (Apple's block). Later human opens are served from that cache and never
  reach the sender.
- Gmail fetches images through its image proxy when the person opens the message, with the
  proxy's user agent and an address in Google's ``66.249.80.0/20`` or ``74.125.0.0/16``.
- Other clients (Apple Mail with the protection off, Outlook, Yahoo, Thunderbird) report their
  own user agent; Yahoo's proxy reports its own too. Their IP is the contact's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "APPLE_PROXY_NETWORK",
    "CLICK_USER_AGENTS",
    "CLIENTS",
    "GMAIL_PROXY_NETWORKS",
    "MACHINE_OPEN_USER_AGENT",
    "OPEN_USER_AGENTS",
    "click_agent_codes",
    "ip_text",
    "open_agent_codes",
    "open_ips",
    "proxy_ips",
    "user_agents",
]

CLIENTS = ("apple_mail_ios", "apple_mail_mac", "gmail", "outlook", "yahoo", "other")
"""Mail client kinds, in the order of a population's ``client`` codes."""

MACHINE_OPEN_USER_AGENT = "Mozilla/5.0"
"""What Apple's privacy proxy reports when it pre-fetches a message."""

APPLE_PROXY_NETWORK = "17.0.0.0/8"
GMAIL_PROXY_NETWORKS = ("66.249.80.0/20", "74.125.0.0/16")

OPEN_USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)",
    "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.3.0",
)
"""User agent of a human open, by client (index = client code)."""

CLICK_USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
)
"""User agent of a click (the browser that opens the link), by client."""

_GMAIL = CLIENTS.index("gmail")
_YAHOO = CLIENTS.index("yahoo")


def user_agents() -> tuple[str, ...]:
    """Every user agent the channel reports, in the order of its ``user_agent`` codes."""
    return (MACHINE_OPEN_USER_AGENT, *OPEN_USER_AGENTS, *CLICK_USER_AGENTS)


def open_agent_codes(client: npt.NDArray[np.int8]) -> npt.NDArray[np.int16]:
    """User-agent codes of human opens by clients."""
    return (1 + client.astype(np.int16)).astype(np.int16)


def click_agent_codes(client: npt.NDArray[np.int8]) -> npt.NDArray[np.int16]:
    """User-agent codes of clicks by clients."""
    return (1 + len(OPEN_USER_AGENTS) + client.astype(np.int16)).astype(np.int16)


def proxy_ips(count: int, rng: np.random.Generator) -> npt.NDArray[np.uint32]:
    """Addresses in Apple's proxy block for ``count`` machine opens."""
    return (np.uint32(17 << 24) + rng.integers(0, 1 << 24, count, dtype=np.uint32)).astype(
        np.uint32
    )


def open_ips(
    client: npt.NDArray[np.int8], home: npt.NDArray[np.uint32], rng: np.random.Generator
) -> npt.NDArray[np.uint32]:
    """Addresses of human opens: the image proxy's for Gmail and Yahoo, else the contact's."""
    ips = home.copy()
    gmail = client == _GMAIL
    ips[gmail] = np.uint32((66 << 24) | (249 << 16) | (80 << 8)) + rng.integers(
        0, 1 << 12, int(gmail.sum()), dtype=np.uint32
    )
    yahoo = client == _YAHOO
    ips[yahoo] = np.uint32((98 << 24) | (137 << 16)) + rng.integers(
        0, 1 << 16, int(yahoo.sum()), dtype=np.uint32
    )
    return ips


def ip_text(address: int) -> str:
    """Dotted-quad text of an IPv4 address."""
    return f"{address >> 24 & 255}.{address >> 16 & 255}.{address >> 8 & 255}.{address & 255}"
