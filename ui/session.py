"""Who is asking: a per-tab session token, the owner id derived from it, and what it may change.

There is no login. A tab gets a random token the first time it starts something (a training, an
experiment); the token lives in the tab's address as `?session=…`, so a reload of that tab keeps
it, and in `st.session_state`, so moving between pages keeps it too. The owner id stamped on the
tab's jobs and runs is a hash of the token *and* of this browser's XSRF cookie (Streamlit sets
`_streamlit_xsrf` once per browser): a copied link opened in another browser carries the token
but not the cookie, so it does not hand over control. Limits: a duplicated tab (same address,
same browser) shares the owner; clearing cookies or restarting the browser (the cookie lives for
the browser session) or losing the address ends ownership: the runs stay, read-only.

Settings (environment variable, or the same key in .streamlit/secrets.toml):
  COREL_ACCESS      owner (default): a tab pauses, stops, resumes and deletes only what it
                    started; everything else is read-only.
                    open: every tab controls and deletes everything (one person on a laptop).
                    demo: as owner, and visitors cannot upload datasets (an upload becomes a
                    dataset every visitor sees): read-only except what they start themselves.
  COREL_ADMIN_TOKEN a secret; a tab opened once with `?admin=<secret>` may control and delete
                    everything (the teacher). The parameter is removed from the address at once.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import re
import secrets as pysecrets

import streamlit as st

TOKEN_PARAM = "session"
ADMIN_PARAM = "admin"
ACCESS_MODES = ("owner", "open", "demo")
XSRF_COOKIE = "_streamlit_xsrf"
_TOKEN_KEY = "_corel.session_token"
_ADMIN_KEY = "_corel.admin"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def setting(name: str) -> str:
    """A deployment setting: the environment variable, else the key in .streamlit/secrets.toml."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    try:
        if st.secrets.load_if_toml_exists():
            return str(st.secrets.get(name, "")).strip()
    except Exception:  # an unreadable secrets file means: not set
        return ""
    return ""


def access_mode() -> str:
    """owner (default), open or demo; an unknown value falls back to owner (the safe one)."""
    mode = setting("COREL_ACCESS").lower()
    return mode if mode in ACCESS_MODES else "owner"


def xsrf_secret(raw: str) -> str:
    """The stable token inside an XSRF cookie value ('' for none).

    Streamlit re-masks the cookie on every response ("2|mask|masked token|time"), so the stable
    part is the unmasked token (hex); a value in another format is returned as it is.
    """
    parts = (raw or "").strip("\"'").split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = binascii.a2b_hex(parts[1]), binascii.a2b_hex(parts[2])
        except (binascii.Error, ValueError):
            return raw
        if mask:
            return bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked)).hex()
    return raw or ""


def _browser_secret() -> str:
    """This browser's XSRF token ('' without the cookie, e.g. in AppTest or XSRF disabled)."""
    try:
        raw = st.context.cookies.get(XSRF_COOKIE, "")
    except Exception:  # no browser context (a bare script)
        return ""
    return xsrf_secret(raw) if isinstance(raw, str) else ""  # AppTest hands back a mock


def tab_token(create: bool = False) -> str | None:
    """This tab's token (from session state, else the address); a new one when `create`."""
    token = st.session_state.get(_TOKEN_KEY)
    if token is None:
        linked = st.query_params.get(TOKEN_PARAM)
        if isinstance(linked, str) and _TOKEN_RE.fullmatch(linked):
            token = linked
        elif create:
            token = pysecrets.token_urlsafe(18)
        if token is not None:
            st.session_state[_TOKEN_KEY] = token
    if token is not None and st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token  # a reload of this tab finds it again
    return token


def keep_in_url() -> None:
    """Put this tab's token back into the address (page changes and pages that rewrite their
    own parameters drop it) and take an admin secret out of it; app.py calls this every run."""
    tab_token(create=False)
    offered = st.query_params.get(ADMIN_PARAM)
    if offered is not None:
        expected = setting("COREL_ADMIN_TOKEN")
        if expected and hmac.compare_digest(str(offered).encode(), expected.encode()):
            st.session_state[_ADMIN_KEY] = True
        del st.query_params[ADMIN_PARAM]


def owner_id(create: bool = False) -> str | None:
    """The opaque id stamped on this tab's jobs and runs (None before it started anything)."""
    token = tab_token(create)
    if token is None:
        return None
    digest = hashlib.sha256(f"{token}|{_browser_secret()}".encode()).hexdigest()
    return digest[:20]


def is_admin() -> bool:
    """Whether this tab may control and delete everything (COREL_ACCESS=open, or admin)."""
    return access_mode() == "open" or bool(st.session_state.get(_ADMIN_KEY))


def may_control(owner: str | None) -> bool:
    """Whether this tab may pause, stop, resume or delete something owned by `owner`."""
    if is_admin():
        return True
    mine = owner_id()
    return mine is not None and owner == mine


def uploads_allowed() -> bool:
    """Whether this tab may add datasets (not for visitors of a demo)."""
    return access_mode() != "demo" or is_admin()


def describe_access() -> str:
    """One sentence for the page: what this tab may change."""
    if is_admin():
        return "This tab may control and delete every run (admin)."
    if access_mode() == "demo":
        return "Demo: you may control and delete only what this tab started; uploads are off."
    return "You control and delete only what this tab started; other runs are read-only."
