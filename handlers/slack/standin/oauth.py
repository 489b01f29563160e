"""Slack's side of installing an app, for the stand-in: the code Slack hands out when someone
approves an install, its exchange for a bot token (oauth.v2.access), token rotation (tokens that
expire, refreshed with a refresh token) and uninstalls, for any number of workspaces and
Enterprise Grid organisations.

https://api.slack.com/authentication/oauth-v2, https://api.slack.com/authentication/rotation
"""

from __future__ import annotations

import base64
import binascii
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "standin-client-secret"
ACCESS_METHOD = "oauth.v2.access"
# With token rotation on, Slack's bot tokens last 12 hours.
TOKEN_LIFETIME = 43_200
DEFAULT_SCOPES = "commands,chat:write,chat:write.public,users:read,im:write"
DEFAULT_INSTALLER = "U0INSTALLER"


@dataclass(frozen=True)
class Grant:
    """One approved install: a workspace, or a whole Grid organisation (`team_id` None)."""

    team_id: str | None
    team_name: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    installer: str
    scopes: str

    @property
    def org_wide(self) -> bool:
        return self.team_id is None


@dataclass
class Issued:
    """A bot token handed out for a grant."""

    token: str
    grant: Grant
    expires_at: float | None  # time.time(); None: never expires (rotation off)
    revoked: bool = False

    def refusal(self) -> str | None:
        """The error Slack answers a call with this token with; None while it is good."""
        if self.revoked:
            return "token_revoked"
        if self.expires_at is not None and time.time() >= self.expires_at:
            return "token_expired"
        return None


class OAuthDesk:
    """Installs, tokens and refresh tokens. Thread-safe: tests approve installs while the app's
    calls are being answered."""

    def __init__(self, *, app_id: str, bot_user_id: str, bot_id: str, team_url: str) -> None:
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_url = team_url
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        # Token rotation, as the app's config page sets it; the lifetime of tokens issued from now.
        self.rotation = False
        self.token_lifetime = TOKEN_LIFETIME
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._codes: dict[str, Grant] = {}
        self._tokens: dict[str, Issued] = {}
        self._refresh_tokens: dict[str, Grant] = {}

    # Test controls

    def approve(
        self,
        team_id: str | None,
        *,
        enterprise_id: str | None = None,
        team_name: str | None = None,
        enterprise_name: str | None = None,
        installer: str = DEFAULT_INSTALLER,
        scopes: str = DEFAULT_SCOPES,
    ) -> str:
        """Someone approved the install on Slack's consent screen: the code Slack appends to the
        app's redirect URL. `team_id` None with an `enterprise_id` is an org-wide install."""
        if team_id is None and enterprise_id is None:
            raise ValueError("an install is for a workspace (team_id) or an organisation (enterprise_id)")
        grant = Grant(
            team_id, team_name or (team_id and f"Workspace {team_id}"),
            enterprise_id, enterprise_name or (enterprise_id and f"Organisation {enterprise_id}"),
            installer, scopes,
        )  # fmt: skip
        with self._lock:
            code = f"code-{next(self._counter)}"
            self._codes[code] = grant
        return code

    def tokens_of(self, team_id: str | None, enterprise_id: str | None = None) -> list[str]:
        """Every bot token issued for that workspace (or organisation), oldest first."""
        with self._lock:
            return [
                issued.token
                for issued in self._tokens.values()
                if (issued.grant.team_id, issued.grant.enterprise_id) == (team_id, enterprise_id)
            ]

    def revoke(self, team_id: str | None, enterprise_id: str | None = None) -> None:
        """The app was uninstalled there: none of its tokens work any more."""
        with self._lock:
            for issued in self._tokens.values():
                if (issued.grant.team_id, issued.grant.enterprise_id) == (team_id, enterprise_id):
                    issued.revoked = True

    # Serving

    def issued(self, token: str | None) -> Issued | None:
        """The install token `token` is, or None when it is not one."""
        with self._lock:
            return self._tokens.get(token or "")

    def access(self, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: a code (or, with rotation, a refresh token) for a bot token."""
        with self._lock:
            if args.get("client_id") != self.client_id:
                return {"ok": False, "error": "invalid_client_id"}
            if args.get("client_secret") != self.client_secret:
                return {"ok": False, "error": "bad_client_secret"}
            if args.get("grant_type") == "refresh_token":
                grant = self._refresh_tokens.pop(str(args.get("refresh_token")), None)
                if grant is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
            else:
                grant = self._codes.pop(str(args.get("code")), None)  # a code works once
                if grant is None:
                    return {"ok": False, "error": "invalid_code"}
            return {"ok": True, **self._issue(grant)}

    def auth_test(self, issued: Issued) -> dict[str, Any]:
        grant = issued.grant
        return {
            "url": self.team_url,
            "team": grant.team_name or grant.enterprise_name,
            "user": "tanto",
            "team_id": grant.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "enterprise_id": grant.enterprise_id,
            "is_enterprise_install": grant.org_wide,
        }

    def _issue(self, grant: Grant) -> dict[str, Any]:
        number = next(self._counter)
        owner = grant.team_id or grant.enterprise_id
        answer: dict[str, Any] = {
            "app_id": self.app_id,
            "authed_user": {"id": grant.installer},
            "scope": grant.scopes,
            "token_type": "bot",
            "bot_user_id": self.bot_user_id,
            "team": None if grant.org_wide else {"id": grant.team_id, "name": grant.team_name},
            "enterprise": {"id": grant.enterprise_id, "name": grant.enterprise_name} if grant.enterprise_id else None,
            "is_enterprise_install": grant.org_wide,
        }
        if self.rotation:
            token = f"xoxe.xoxb-1-{owner}-{number}"
            refresh_token = f"xoxe-1-{owner}-{number}"
            self._refresh_tokens[refresh_token] = grant
            self._tokens[token] = Issued(token, grant, time.time() + self.token_lifetime)
            answer.update(refresh_token=refresh_token, expires_in=self.token_lifetime)
        else:
            token = f"xoxb-{owner}-{number}"
            self._tokens[token] = Issued(token, grant, None)
        answer["access_token"] = token
        return answer


def client_credentials(authorization: str | None) -> dict[str, str]:
    """The client id and secret of HTTP Basic authentication, as oauth.v2.access accepts them."""
    if not authorization or not authorization.lower().startswith("basic "):
        return {}
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return {}
    client_id, _, client_secret = decoded.partition(":")
    return {"client_id": client_id, "client_secret": client_secret}
