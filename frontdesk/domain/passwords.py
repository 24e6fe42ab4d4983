"""The clinic's password policy and the growing wait after wrong passwords.

Pure rules: the services hash with Argon2id and keep the counters; this module only says whether a
new password is acceptable and how long an account must wait before its next try.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime

MIN_LENGTH = 8
MAX_LENGTH = 200

#: Wrong passwords allowed before any wait: everyone mistypes now and then.
FREE_TRIES = 3
FIRST_WAIT_SECONDS = 5
LONGEST_WAIT_SECONDS = 15 * 60


def normalise_password(password: str) -> str:
    """The same characters typed on different keyboards (é as one or two code points) match."""
    return unicodedata.normalize("NFC", password)


def password_problems(password: str, *, username: str = "", display_name: str = "") -> list[str]:
    """Every reason the password cannot be used, in plain words; an empty list means it is fine.

    A passphrase (a few words with spaces) is welcome: only the length is counted, not the mix of
    character kinds.
    """
    text = normalise_password(password)
    problems: list[str] = []
    if len(text) < MIN_LENGTH:
        problems.append(
            f"Use at least {MIN_LENGTH} characters. A passphrase of three or four everyday words "
            "is easy to remember and hard to guess."
        )
    elif len(text) > MAX_LENGTH:
        problems.append(f"Keep the password under {MAX_LENGTH} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        problems.append("The password cannot contain line breaks, tabs or other control characters.")
    folded = text.strip().casefold()
    if len(set(text.casefold())) == 1 and len(text) >= MIN_LENGTH:
        problems.append("A row of the same character is too easy to guess.")
    names = {name.strip().casefold() for name in (username, display_name) if name.strip()}
    if folded and folded in names:
        problems.append("The password cannot be the same as the username or the person's name.")
    return problems


def wait_after_failures(failed_sign_ins: int) -> int:
    """Seconds an account waits after its latest wrong password: none for the first few, then
    doubling (5, 10, 20 ... seconds) up to a quarter of an hour."""
    if failed_sign_ins < FREE_TRIES:
        return 0
    doubled: int = FIRST_WAIT_SECONDS * 2 ** min(failed_sign_ins - FREE_TRIES, 20)
    return min(LONGEST_WAIT_SECONDS, doubled)


def seconds_to_wait(failed_sign_ins: int, last_failed_at: datetime | None, now: datetime) -> int:
    """Whole seconds left before the account may try again (0: it may try now)."""
    wait = wait_after_failures(failed_sign_ins)
    if wait == 0 or last_failed_at is None:
        return 0
    left = wait - (now - last_failed_at).total_seconds()
    return max(0, math.ceil(left))


def seconds_phrase(seconds: int) -> str:
    if seconds == 1:
        return "1 second"
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
