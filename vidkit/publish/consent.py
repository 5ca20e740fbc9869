"""`vidkit consent`: who agreed to appear on YouTube, until when. Stored in the publish ledger.

Subjects are pseudonymous ids (e.g. P-0042), never names. Evidence (a signed form) stays where
the clinic keeps it; the ledger holds only its sha256, so the record can be matched to the
paper without copying it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from vidkit.errors import BadInputError
from vidkit.publish.ledger import Consent, Ledger
from vidkit.hashing import file_sha256

SCOPES = ("youtube",)
_SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_subject(subject: str) -> str:
    subject = subject.strip()
    if not _SUBJECT.match(subject):
        raise BadInputError(f"subject id {subject!r} must be a short pseudonymous id of letters, digits, '.', "
                            f"'_' or '-' (e.g. P-0042), not a name")
    return subject


def check_expires(text: str | None, today: date | None = None) -> str | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadInputError(f"--expires {text!r} is not a date: write it as YYYY-MM-DD") from None
    if day < (today or date.today()):
        raise BadInputError(f"--expires {text} is in the past")
    return day.isoformat()


def add(ledger: Ledger, subject: str, scope: str, expires: str | None, evidence: Path | None) -> Consent:
    if scope not in SCOPES:
        raise BadInputError(f"unknown consent scope {scope!r} (known: {', '.join(SCOPES)})")
    evidence_sha = None
    if evidence is not None:
        if not evidence.is_file():
            raise BadInputError(f"the evidence file {evidence} does not exist")
        evidence_sha = file_sha256(evidence)
    return ledger.add_consent(check_subject(subject), scope, check_expires(expires), evidence_sha)


def revoke(ledger: Ledger, subject: str, scope: str | None) -> int:
    count = ledger.revoke_consent(check_subject(subject), scope)
    if not count:
        raise BadInputError(f"no active consent for {subject}{' for ' + scope if scope else ''} to revoke")
    return count


def listing(ledger: Ledger, subject: str | None = None) -> list[dict[str, Any]]:
    today = date.today().isoformat()
    rows = []
    for consent in ledger.consents(check_subject(subject) if subject else None):
        state = ("revoked" if consent.revoked_at else
                 "expired" if consent.expires and consent.expires < today else "valid")
        rows.append({**consent.__dict__, "state": state})
    return rows
