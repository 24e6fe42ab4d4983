"""First administrator, sign-in with Argon2id, the growing wait after wrong passwords, accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import select

from frontdesk.db.models import AuditEvent, User
from frontdesk.domain.passwords import password_problems, seconds_to_wait, wait_after_failures
from frontdesk.domain.roles import Role
from frontdesk.services import signing_in, user_accounts
from frontdesk.services.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.services.account_lookup import needs_first_admin
from frontdesk.services.signing_in import SignInDelayed, SignInRefused, sign_in, unlock_session
from frontdesk.services.user_accounts import (
    create_first_admin,
    create_user,
    deactivate_user,
    list_users,
    reactivate_user,
    reset_password,
    set_user_role,
)

PASSWORD = "maple syrup pancakes"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Argon2id with the library's cheapest parameters: the same code path, milliseconds per hash."""
    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def owner(ctx):
    return create_first_admin(ctx, "Owner", "Dana Owner", PASSWORD)


def _trail(ctx, *actions):
    with ctx.database.session() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(row.action, row.username) for row in rows if not actions or row.action in actions]


def _stored_hash(ctx, username):
    with ctx.database.session() as session:
        return session.scalar(select(User.password_hash).where(User.username == username))


# --- Password policy (pure) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1!", "at least 8 characters"),
        ("        ", "same character"),
        ("aaaaaaaaaa", "same character"),
        ("dana owner", "same as the username"),
        ("line\nbreak here", "control characters"),
        ("x" * 201, "under 200"),
    ],
)
def test_a_weak_password_is_refused_with_a_plain_reason(password, problem):
    problems = password_problems(password, username="downer", display_name="Dana Owner")
    assert any(problem in text for text in problems), problems


@pytest.mark.parametrize("password", ["8chars!!", "correct horse battery staple", "Zoë-Ødegård 2026",
                                      "蔡家的密码很长很长"])
def test_a_long_enough_password_or_passphrase_is_accepted(password):
    assert password_problems(password, username="downer", display_name="Dana Owner") == []


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 0), (1, 0), (2, 0), (3, 5), (4, 10), (5, 20), (8, 160), (12, 900), (500, 900)],
)
def test_the_wait_grows_with_each_wrong_password_up_to_a_quarter_hour(failures, wait):
    assert wait_after_failures(failures) == wait


def test_the_wait_counts_down_from_the_last_wrong_password(clock):
    failed_at = clock.now()
    assert seconds_to_wait(4, failed_at, failed_at) == 10
    assert seconds_to_wait(4, failed_at, failed_at + timedelta(seconds=3.5)) == 7
    assert seconds_to_wait(4, failed_at, failed_at + timedelta(seconds=10)) == 0
    assert seconds_to_wait(4, None, failed_at) == 0


# --- First start ----------------------------------------------------------------------------------


def test_first_run_creates_the_admin_once(ctx):
    assert needs_first_admin(ctx)
    first = create_first_admin(ctx, " Owner ", "Dana Owner", PASSWORD)
    assert (first.username, first.role) == ("owner", Role.ADMIN)
    assert not needs_first_admin(ctx)
    with pytest.raises(Conflict, match="already has an administrator"):
        create_first_admin(ctx, "mallory", "Mallory", "another long password")
    assert [u.username for u in list_users(ctx, first)] == ["owner"]
    assert _trail(ctx, "create", "sign_in") == [("create", "owner"), ("sign_in", "owner")]


def test_first_run_names_every_bad_field(ctx):
    with pytest.raises(ValidationFailed) as refused:
        create_first_admin(ctx, "two words", "", "short")
    assert set(refused.value.errors) == {"username", "display_name", "password"}
    assert needs_first_admin(ctx)


def test_first_run_takes_over_a_password_less_command_line_account(ctx, admin):
    assert needs_first_admin(ctx)
    actor = create_first_admin(ctx, "owner", "Dana Owner", PASSWORD)
    assert actor.user_id == admin.user_id
    assert sign_in(ctx, "owner", PASSWORD).display_name == "Dana Owner"


# --- Sign-in --------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes_and_verified(ctx, owner):
    stored = _stored_hash(ctx, "owner")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert sign_in(ctx, "OWNER", PASSWORD) == owner
    with pytest.raises(SignInRefused, match="not right"):
        sign_in(ctx, "owner", PASSWORD.upper())


def test_the_production_hasher_is_memory_hard_argon2id():
    hasher = PasswordHasher()
    assert type(signing_in.PASSWORD_HASHER) is PasswordHasher
    assert (hasher.type.name, hasher.memory_cost >= 19 * 1024) == ("ID", True)


def test_unknown_accounts_get_the_same_message_as_a_wrong_password(ctx, owner):
    with pytest.raises(SignInRefused) as unknown:
        sign_in(ctx, "nobody", PASSWORD)
    with pytest.raises(SignInRefused) as wrong:
        sign_in(ctx, "owner", "wrong password")
    assert unknown.value.message == wrong.value.message
    assert _trail(ctx, "sign_in_failed") == [("sign_in_failed", "(system)"), ("sign_in_failed", "owner")]


def test_repeated_failures_make_the_account_wait_and_success_resets_it(ctx, owner, clock):
    for _ in range(3):
        with pytest.raises(SignInRefused) as refused:
            sign_in(ctx, "owner", "wrong password")
    assert "next try is possible in 5 seconds" in refused.value.message
    with pytest.raises(SignInDelayed) as delayed:
        sign_in(ctx, "owner", PASSWORD)
    assert delayed.value.seconds == 5
    assert "Wait 5 seconds" in delayed.value.message
    clock.advance(seconds=5)
    with pytest.raises(SignInRefused):
        sign_in(ctx, "owner", "still wrong")
    with pytest.raises(SignInDelayed) as longer:
        sign_in(ctx, "owner", PASSWORD)
    assert longer.value.seconds == 10
    clock.advance(seconds=10)
    assert sign_in(ctx, "owner", PASSWORD) == owner
    with pytest.raises(SignInRefused) as after_reset:
        sign_in(ctx, "owner", "wrong again")
    assert "next try" not in after_reset.value.message
    assert [a for a, _ in _trail(ctx, "sign_in", "sign_in_failed", "sign_in_delayed")] == [
        "sign_in", "sign_in_failed", "sign_in_failed", "sign_in_failed", "sign_in_delayed",
        "sign_in_failed", "sign_in_delayed", "sign_in", "sign_in_failed",
    ]


def test_a_switched_off_account_cannot_sign_in_and_answers_the_same_whatever_the_password(ctx, owner):
    desk = create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    deactivate_user(ctx, owner, desk.user_id)
    with pytest.raises(SignInRefused) as right:
        sign_in(ctx, "desk", PASSWORD)
    with pytest.raises(SignInRefused) as wrong:
        sign_in(ctx, "desk", "not the password")
    with pytest.raises(SignInRefused) as unknown:
        sign_in(ctx, "nobody", "not the password")
    assert right.value.message == wrong.value.message == unknown.value.message == signing_in.WRONG_PASSWORD
    with ctx.database.session() as session:
        reasons = [row.detail.get("reason") for row in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign_in_failed").order_by(AuditEvent.id))]
    assert reasons == ["account switched off", "account switched off", "unknown account"]  # the admin sees why
    reactivate_user(ctx, owner, desk.user_id)
    assert sign_in(ctx, "desk", PASSWORD) == desk


class CountingHasher(PasswordHasher):
    """The cheapest Argon2id, counting the verifications (and able to hold them, see below)."""

    def __init__(self) -> None:
        params = CHEAPEST
        super().__init__(time_cost=params.time_cost, memory_cost=params.memory_cost, parallelism=params.parallelism,
                         hash_len=params.hash_len, salt_len=params.salt_len, type=params.type)
        self.verified: list[str] = []
        self.hold = None

    def verify(self, hash, password):  # the library's own parameter names
        self.verified.append(hash)
        if self.hold is not None:
            self.hold()
        return super().verify(hash, password)


@pytest.fixture
def counting(monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", hasher)
    return hasher


def test_every_attempt_costs_one_verification_whether_the_name_exists_or_not(ctx, counting):
    owner = create_first_admin(ctx, "owner", "Dana Owner", PASSWORD)
    create_user(ctx, owner, "nopass", "No Password Yet", Role.RECEPTION)
    off = create_user(ctx, owner, "gone", "Left the Clinic", Role.RECEPTION, password=PASSWORD)
    deactivate_user(ctx, owner, off.user_id)
    for name in ("nobody", "owner", "nopass", "gone", "another-made-up-name"):
        before = len(counting.verified)
        with pytest.raises(SignInRefused) as refused:
            sign_in(ctx, name, "a wrong password")
        assert len(counting.verified) == before + 1, name
        assert refused.value.message == signing_in.WRONG_PASSWORD
    owner_hash = _stored_hash(ctx, "owner")
    assert counting.verified.count(owner_hash) == 1  # the others went to a dummy hash of the same cost
    assert all(h.startswith("$argon2id$") for h in counting.verified)


def test_a_made_up_name_meets_the_same_wait_as_a_real_one(ctx, owner):
    answers = {}
    for name in ("owner", "nobody"):
        seen = []
        for _ in range(4):
            with pytest.raises(SignInRefused) as refused:
                sign_in(ctx, name, "a wrong password")
            seen.append(refused.value.message)
        answers[name] = seen
    assert answers["owner"] == answers["nobody"]
    assert answers["owner"][-1].startswith("Too many wrong passwords")


def test_parallel_wrong_attempts_are_counted_before_the_password_is_checked(ctx, counting):
    """Twelve wrong passwords at once: only the free tries reach the hash, the rest are told to wait."""
    import threading

    from frontdesk.domain.passwords import FREE_TRIES

    create_first_admin(ctx, "owner", "Dana Owner", PASSWORD)
    counting.verified.clear()
    attempts = 12
    state = threading.Condition()
    inside = []
    delayed = []
    release = threading.Event()

    def hold() -> None:
        # Keep each verification open until every attempt has either reached a hash or been told to
        # wait: counted after checking, all twelve would be in here together.
        with state:
            inside.append(1)
            state.notify_all()
        release.wait(30)

    counting.hold = hold
    results: list[BaseException] = []

    def attempt() -> None:
        try:
            sign_in(ctx, "owner", "a wrong password")
        except SignInDelayed as error:
            with state:
                delayed.append(1)
                state.notify_all()
            results.append(error)
        except SignInRefused as error:
            results.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    with state:
        assert state.wait_for(lambda: len(inside) + len(delayed) == attempts, timeout=30)
    release.set()
    for thread in threads:
        thread.join(30)
    assert len(counting.verified) == FREE_TRIES
    assert sum(isinstance(r, SignInDelayed) for r in results) == attempts - FREE_TRIES
    with ctx.database.session() as session:
        assert session.scalar(select(User.failed_sign_ins).where(User.username == "owner")) == FREE_TRIES


def test_an_account_without_a_password_cannot_sign_in(ctx, admin, reception):
    with pytest.raises(SignInRefused):
        sign_in(ctx, "desk", "")
    with pytest.raises(SignInRefused, match="not right"):
        sign_in(ctx, "desk", "any password at all")


def test_an_old_hash_is_renewed_at_the_next_sign_in(ctx, owner, monkeypatch):
    before = _stored_hash(ctx, "owner")
    monkeypatch.setattr(signing_in, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    sign_in(ctx, "owner", PASSWORD)
    after = _stored_hash(ctx, "owner")
    assert after != before and "m=64,t=1,p=1" in after
    assert sign_in(ctx, "owner", PASSWORD) == owner


# --- Unlock ---------------------------------------------------------------------------------------


def test_the_same_person_or_an_admin_may_unlock_but_no_one_else(ctx, owner):
    desk = create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    create_user(ctx, owner, "cstokes", "Chris Stokes", Role.PHYSIOTHERAPIST, password=PASSWORD)
    assert unlock_session(ctx, desk, "desk", PASSWORD) == desk
    assert unlock_session(ctx, desk, "owner", PASSWORD) == owner
    with pytest.raises(PermissionDenied, match="Only Front Desk or an administrator"):
        unlock_session(ctx, desk, "cstokes", PASSWORD)
    assert [a for a, _ in _trail(ctx, "unlock", "denied")] == ["unlock", "unlock", "denied"]


# --- Accounts -------------------------------------------------------------------------------------


def test_an_admin_adds_changes_and_resets_accounts(ctx, owner, clock):
    desk = create_user(ctx, owner, "Desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    assert desk.username == "desk"
    with pytest.raises(ValidationFailed) as taken:
        create_user(ctx, owner, "DESK", "Another", Role.RECEPTION)
    assert "already taken" in taken.value.errors["username"]
    physio = set_user_role(ctx, owner, desk.user_id, Role.PHYSIOTHERAPIST)
    assert physio.role is Role.PHYSIOTHERAPIST
    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in(ctx, "desk", "forgot it")
    with pytest.raises(ValidationFailed, match="password"):
        reset_password(ctx, owner, desk.user_id, "short")
    reset = reset_password(ctx, owner, desk.user_id, "a brand new passphrase")
    assert reset.failed_sign_ins == 0
    assert sign_in(ctx, "desk", "a brand new passphrase").role is Role.PHYSIOTHERAPIST
    assert [a for a, _ in _trail(ctx, "create", "change_role", "reset_password")][-3:] == [
        "create", "change_role", "reset_password"]


def test_the_last_admin_who_can_sign_in_cannot_be_removed(ctx, owner):
    with pytest.raises(Conflict, match="only administrator"):
        set_user_role(ctx, owner, owner.user_id, Role.RECEPTION)
    other = create_user(ctx, owner, "manager", "Clinic Manager", Role.ADMIN)
    with pytest.raises(Conflict, match="only administrator"):
        deactivate_user(ctx, other, owner.user_id)
    reset_password(ctx, owner, other.user_id, "managers passphrase")
    assert set_user_role(ctx, owner, owner.user_id, Role.RECEPTION).role is Role.RECEPTION
    with pytest.raises(Conflict, match="your own account"):
        deactivate_user(ctx, other, other.user_id)


def test_conftest_style_accounts_keep_working(ctx, admin, reception, physio):
    assert (admin.role, reception.role, physio.role) == (Role.ADMIN, Role.RECEPTION, Role.PHYSIOTHERAPIST)
    assert physio.therapist_id == 1
    names = [(u.username, u.has_password) for u in list_users(ctx, admin)]
    assert sorted(names) == [("cstokes", False), ("desk", False), ("owner", False)]


# --- Changing one's own password ------------------------------------------------------------------


def test_anyone_signed_in_changes_their_own_password(ctx, owner):
    desk = create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    user_accounts.change_own_password(ctx, desk, PASSWORD, "spruce kayak lantern")
    with pytest.raises(SignInRefused):
        sign_in(ctx, "desk", PASSWORD)
    assert sign_in(ctx, "desk", "spruce kayak lantern").user_id == desk.user_id
    assert _trail(ctx, "confirm_password", "change_password") == [("confirm_password", "desk"),
                                                                  ("change_password", "desk")]


def test_the_current_password_must_be_typed_and_right(ctx, owner, clock):
    desk = create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    before = _stored_hash(ctx, "desk")
    with pytest.raises(ValidationFailed) as empty:
        user_accounts.change_own_password(ctx, desk, "", "spruce kayak lantern")
    assert empty.value.errors == {"current": "Type your current password first."}
    for _ in range(3):
        with pytest.raises(ValidationFailed) as wrong:
            user_accounts.change_own_password(ctx, desk, "maple syrup waffles", "spruce kayak lantern")
        clock.advance(minutes=20)
    assert wrong.value.errors["current"].startswith("That is not your current password.")
    assert _stored_hash(ctx, "desk") == before
    assert [action for action, _who in _trail(ctx, "confirm_password_failed")] == ["confirm_password_failed"] * 3


def test_a_wrong_current_password_waits_like_a_wrong_sign_in(ctx, owner):
    desk = create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    refusals = []
    for _ in range(6):
        with pytest.raises(ValidationFailed) as refused:
            user_accounts.change_own_password(ctx, desk, "maple syrup waffles", "spruce kayak lantern")
        refusals.append(refused.value.errors["current"])
    assert refusals[-1].startswith("Too many wrong passwords for this account. Wait")
    with pytest.raises(ValidationFailed):
        user_accounts.change_own_password(ctx, desk, PASSWORD, "spruce kayak lantern")  # even the right one waits
    with pytest.raises(SignInRefused):
        sign_in(ctx, "desk", "spruce kayak lantern")


@pytest.mark.parametrize(("new", "field", "words"), [
    ("short", "password", "at least"),
    (PASSWORD, "password", "differ from the current one"),
])
def test_the_new_password_follows_the_same_rules(ctx, owner, new, field, words):
    desk = create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, password=PASSWORD)
    with pytest.raises(ValidationFailed) as refused:
        user_accounts.change_own_password(ctx, desk, PASSWORD, new)
    assert words in refused.value.errors[field]
    assert sign_in(ctx, "desk", PASSWORD).user_id == desk.user_id


# --- The physiotherapist an account belongs to ------------------------------------------------------

CHRIS, TRACEY = 1, 2


def test_an_account_is_linked_to_its_physiotherapist_one_account_each(ctx, owner):
    chris = create_user(ctx, owner, "cstokes", "Chris Stokes", Role.PHYSIOTHERAPIST, therapist_id=CHRIS)
    assert chris.therapist_id == CHRIS
    with pytest.raises(ValidationFailed) as taken:
        create_user(ctx, owner, "chris2", "Chris again", Role.PHYSIOTHERAPIST, therapist_id=CHRIS)
    assert "already has the account “cstokes”" in taken.value.errors["therapist"]
    listed = {u.username: u for u in list_users(ctx, owner)}
    assert (listed["cstokes"].therapist_id, listed["cstokes"].therapist_name) == (CHRIS, "Chris Stokes")
    assert "chris2" not in listed


def test_a_reception_account_or_a_switched_off_physiotherapist_cannot_be_linked(ctx, owner):
    from dataclasses import replace

    from frontdesk.services.staff import TherapistDetails, list_all_therapists, update_therapist

    with pytest.raises(ValidationFailed) as reception:
        create_user(ctx, owner, "desk", "Front Desk", Role.RECEPTION, therapist_id=CHRIS)
    assert "does not belong to a physiotherapist" in reception.value.errors["therapist"]
    tracey = next(t for t in list_all_therapists(ctx, owner) if t.id == TRACEY)
    update_therapist(ctx, owner, TRACEY, replace(TherapistDetails(tracey.name), designation=tracey.designation,
                                                 ims_qualified=tracey.ims_qualified, active=False,
                                                 colour=tracey.colour), expected_version=tracey.version)
    with pytest.raises(ValidationFailed) as switched_off:
        create_user(ctx, owner, "tmcquair", "Tracey McQuair", Role.PHYSIOTHERAPIST, therapist_id=TRACEY)
    assert "switched off" in switched_off.value.errors["therapist"]
    with pytest.raises(ValidationFailed) as unknown:
        create_user(ctx, owner, "ghost", "Ghost", Role.PHYSIOTHERAPIST, therapist_id=999)
    assert "not in the list" in unknown.value.errors["therapist"]


def test_editing_an_account_changes_role_and_physiotherapist_together(ctx, owner):
    desk = create_user(ctx, owner, "tmcquair", "Tracey McQuair", Role.RECEPTION)
    edited = user_accounts.update_user(ctx, owner, desk.user_id, Role.PHYSIOTHERAPIST, TRACEY)
    assert (edited.role, edited.therapist_id, edited.therapist_name) == (Role.PHYSIOTHERAPIST, TRACEY, "Tracey McQuair")
    assert sign_in_actor_therapist(ctx, owner, "tmcquair") == TRACEY
    moved = user_accounts.update_user(ctx, owner, desk.user_id, Role.PHYSIOTHERAPIST, None)
    assert moved.therapist_id is None
    user_accounts.update_user(ctx, owner, desk.user_id, Role.PHYSIOTHERAPIST, TRACEY)
    back = set_user_role(ctx, owner, desk.user_id, Role.RECEPTION)  # reception belongs to no one
    assert back.therapist_id is None
    assert [a for a, _ in _trail(ctx, "link_therapist", "unlink_therapist")] == [
        "link_therapist", "unlink_therapist", "link_therapist", "unlink_therapist"]


def sign_in_actor_therapist(ctx, owner, username):
    reset_password(ctx, owner, next(u.id for u in list_users(ctx, owner) if u.username == username),
                   "a fresh passphrase here")
    return sign_in(ctx, username, "a fresh passphrase here").therapist_id


def test_the_database_holds_one_account_per_physiotherapist_too(ctx, owner):
    from sqlalchemy.exc import IntegrityError

    create_user(ctx, owner, "cstokes", "Chris Stokes", Role.PHYSIOTHERAPIST, therapist_id=CHRIS)
    with pytest.raises(IntegrityError), ctx.database.session() as session:
        session.add(User(username="sneaky", display_name="Sneaky", role="physiotherapist", active=True,
                         therapist_id=CHRIS, failed_sign_ins=0, created_at=ctx.now()))
        session.commit()

