"""Turn a failed gallery-dl run's log into one reason and one thing the user can do about it."""

from __future__ import annotations

from dataclasses import dataclass

from curator.collect.sources.base import Source


@dataclass(frozen=True)
class Diagnosis:
    reason: str
    advice: str


# (substring of a log line, reason, advice); first match wins, so specific patterns come first.
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("cloudflare", "Cloudflare challenge",
     "open the site in a browser, export its cookies.txt and set [collect.sites.{name}] cookies = PATH"),
    ("authenticationerror", "login required", "{login}"),
    ("authorizationerror", "login required", "{login}"),
    ("login", "login required", "{login}"),
    ("403 forbidden", "403 Forbidden",
     "the site refused access: try cookies from a logged-in browser, or a larger request_interval"),
    ("429", "rate limited (429) after all retries", "raise [collect] request_interval or backoff_429 and run again to resume"),
    ("no suitable extractor", "gallery-dl has no extractor for this URL", "update gallery-dl: pip install -U gallery-dl"),
    ("unsupported url", "gallery-dl has no extractor for this URL", "update gallery-dl: pip install -U gallery-dl"),
    ("notfounderror", "not found", "check the query, tag or category name for this site"),
    ("404", "not found", "check the query, tag or category name for this site"),
    ("connectionerror", "cannot connect", "check the network or the source URL, then run again to resume"),
    ("max retries", "cannot connect", "check the network or the source URL, then run again to resume"),
    ("timed out", "timed out", "raise [collect] timeout or try later; run again to resume"),
    ("500", "server error (5xx) after all retries", "try later; run again to resume"),
    ("filtererror", "bad filter expression", "check [collect.filters] and [collect.sites.{name}] options"),
)


_RATE_LIMITED = Diagnosis("rate limited (429)",
                          "raise [collect] request_interval or backoff_429 and run again to resume")


def diagnose(source: Source, log_lines: list[str], returncode: int, last_status: int | None = None) -> Diagnosis:
    if last_status == 429:
        # Some of gallery-dl's site clients (Flickr's) stop at a 429 without retrying and
        # log only the parse error that follows it; the last answer says what happened.
        return _RATE_LIMITED
    # Errors say why it stopped; warnings (e.g. a retried 429) only explain it when there are none.
    errors = [ln for ln in log_lines if "[error]" in ln.lower()]
    warnings = [ln for ln in log_lines if "[warning]" in ln.lower()]
    problems = errors + warnings or log_lines
    login = source.login.how if source.login else "add the site's credentials to gallery-dl's config"
    for line in problems:
        low = line.lower()
        for needle, reason, advice in _PATTERNS:
            if needle in low:
                return Diagnosis(reason, advice.format(name=source.name, login=login))
    last = problems[-1].strip() if problems else f"gallery-dl exited with status {returncode}"
    return Diagnosis(last[:200], "see the gallery-dl log next to the run's staging folder; run again to resume")
