"""Points in the past: ``--at DATE|REF``, the commit a repository had then, and backfill schedules.

A date means the end of that day, UTC: the commit that was the tip of the default branch's
first-parent history at ``2024-06-30T23:59:59Z`` (by committer date), as ``git rev-list -1
--first-parent --before`` finds it. Anything that is not a date is a ref (tag, branch, commit).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from crawler.errors import InputError
from crawler.values import At

__all__ = ["EVERY", "At", "parse_at", "parse_dates", "schedule"]

EVERY = ("month", "quarter", "year")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# Things that look like a date but are not ``YYYY-MM-DD``: a ref never looks like these, and
# reading them as one would scan the wrong thing without a word (``2024-1-1`` → "no such ref").
_DATE_LIKE = [
    re.compile(r"^\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?([T ].*)?$"),   # 2024-1-1, 2024/01/01, 1.2.2024, 2024-01
    re.compile(r"^(19|20)\d{6}$"),                                  # 20240101
    re.compile(r"^(19|20)\d{2}$"),                                  # 2024
    re.compile(r"^(yesterday|today|tomorrow|now|noon|midnight|last\b.*|.*\bago)$", re.I),
    re.compile(r"^\d{4}-\d{2}-\d{2}T"),                            # a malformed date and time
]


def parse_at(text: str) -> At:
    """``2024-06-30`` (end of that day, UTC), ``2024-06-30T12:00:00Z``, or a ref (a tag, branch or
    commit). Anything that looks like a date in another form is refused (exit 2), never a ref."""
    value = text.strip()
    if not value:
        raise InputError("--at needs a date (2024-06-30) or a ref (v1.0, a commit)")
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InputError(f"--at {value!r} is not a valid date") from None
        return At(value, when=datetime.combine(day, time(23, 59, 59), UTC))
    if re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"--at {value!r} is not a valid date and time (2024-06-30T12:00:00Z)") from None
        return At(value, when=moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if any(pattern.match(value) for pattern in _DATE_LIKE):
        raise InputError(f"--at {value!r} looks like a date but is not one census reads: write it 2024-06-30 "
                         "(the end of that day, UTC), or give a ref (a tag, branch or commit)")
    if value.startswith("-") or ".." in value or any(c in value for c in " ~^:?*[\\"):
        raise InputError(f"--at {value!r} is neither a date (2024-06-30) nor a ref name git accepts")
    return At(value, ref=value)


def _add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def schedule(since: date, every: str, until: date | None = None) -> list[date]:
    """``since``, then every month, quarter or year after it, up to ``until`` (default: today)."""
    if every not in EVERY:
        raise InputError(f"--every must be one of {', '.join(EVERY)}, not {every!r}")
    end = until or datetime.now(UTC).date()
    if since > end:
        raise InputError(f"--since {since} is after {end}")
    step = {"month": 1, "quarter": 3, "year": 12}[every]
    days, k = [], 0
    while (day := _add_months(since, k * step)) <= end:
        days.append(day)
        k += 1
    return days


def parse_dates(text: str) -> list[date]:
    """A comma-separated list of dates, sorted, without repeats."""
    found = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if not _DATE.match(part):
                raise ValueError(part)
            found.add(date.fromisoformat(part))
        except ValueError:
            raise InputError(f"not a date: {part!r} (use 2024-06-30)") from None
    if not found:
        raise InputError("no dates given")
    return sorted(found)
