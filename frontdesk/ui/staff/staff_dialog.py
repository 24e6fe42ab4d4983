"""Settings ▸ Physiotherapists and hours…: who works at the clinic, their week, time off and extra hours.

The list on the left is every physiotherapist (switched-off ones greyed); the pages on the right edit
the selected one. Each page saves on its own button; leaving a page's unsaved changes asks first.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.changes import Changes, Kind
from frontdesk.services.context import Actor, ServiceContext
from frontdesk.services.errors import Conflict, ServiceError, ValidationFailed
from frontdesk.services.records import TherapistInfo
from frontdesk.services.staff import (
    DEFAULT_COLOUR,
    DEFAULT_DESIGNATION,
    THERAPIST_CHANGES,
    ExceptionKind,
    TherapistDetails,
    booked_appointments,
    create_therapist,
    describe_appointments,
    list_all_therapists,
    suggested_colour,
    update_therapist,
)
from frontdesk.ui.common.errors import Prompts, call_service
from frontdesk.ui.common.geometry import remember_geometry
from frontdesk.ui.common.master_detail import MasterDetail
from frontdesk.ui.staff.staff_hours import HoursEditor
from frontdesk.ui.staff.staff_models import TherapistListModel
from frontdesk.ui.staff.staff_time_off import ExceptionPanel
from frontdesk.ui.common.widgets import ERROR_STYLE, DateEdit, Field
from frontdesk.ui.window.live_updates import (
    ChangedBanner,
    EditsThatMeet,
    follow_changes,
    shown_value,
    touches_therapist,
)

DETAILS, HOURS, TIME_OFF, EXTRA = range(4)

#: The details' fields as the form names them (for "what differs").
DETAIL_NAMES = {"full_name": "Name", "designation": "Designation", "registration_number": "College registration number",
                "ims_qualified": "IMS-qualified", "ims_qualified_on": "IMS qualification recorded on",
                "active": "Working at the clinic", "colour": "Colour in the schedule"}


def details_of(therapist: TherapistInfo) -> TherapistDetails:
    return TherapistDetails(therapist.name, therapist.designation, therapist.registration_number,
                            therapist.ims_qualified, therapist.ims_qualified_on, therapist.active, therapist.colour)


class TherapistForm(QWidget):
    """Name, designation, registration, IMS qualification, whether they work here, and a colour."""

    saved = Signal(object)
    #: A sign-in account was made for, or linked to, the physiotherapist shown.
    account_changed = Signal(object)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.therapist: TherapistInfo | None = None
        self._loaded = TherapistDetails("")

        self.full_name = QLineEdit()
        self.full_name.setObjectName("therapist_name")
        self.full_name.setMaxLength(200)
        self.designation = QLineEdit()
        self.designation.setObjectName("therapist_designation")
        self.designation.setMaxLength(100)
        self.registration = QLineEdit()
        self.registration.setObjectName("therapist_registration")
        self.registration.setMaxLength(50)
        self.registration.setPlaceholderText("Needed to print IMS consent forms")
        self.ims = QCheckBox("&IMS-qualified (may take IMS appointments)")
        self.ims.setObjectName("therapist_ims")
        self.ims_on = DateEdit()
        self.ims_on.setObjectName("therapist_ims_on")
        self.ims_on.setPlaceholderText("YYYY-MM-DD (empty: today)")
        self.active = QCheckBox("&Working at the clinic (a column in the day view)")
        self.active.setObjectName("therapist_active")
        self.colour = QLineEdit()
        self.colour.setObjectName("therapist_colour")
        self.colour.setMaxLength(7)
        self.colour.setFixedWidth(90)
        self.swatch = QLabel()
        self.swatch.setFixedSize(28, 20)
        self.choose_colour = QPushButton("Choos&e…")
        self.choose_colour.setAutoDefault(False)
        self.choose_colour.clicked.connect(self._pick_colour)
        colour_row = QWidget()
        row = QHBoxLayout(colour_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.colour)
        row.addWidget(self.swatch)
        row.addWidget(self.choose_colour)
        row.addStretch(1)

        self.fields = {
            "full_name": Field("Na&me", self.full_name, required=True),
            "designation": Field("Desi&gnation", self.designation, required=True),
            "registration_number": Field("College &registration number", self.registration),
            "ims_qualified_on": Field("IMS qualification recorded &on", self.ims_on),
            "colour": Field("&Colour in the schedule", colour_row),
        }
        self.fields["colour"].label.setBuddy(self.colour)
        self.account_label = QLabel()
        self.account_label.setObjectName("therapist_account")
        self.account_label.setWordWrap(True)
        self.account_button = QPushButton("Sign-in acco&unt…")
        self.account_button.setObjectName("therapist_account_button")
        self.account_button.setAutoDefault(False)
        self.account_button.clicked.connect(self.choose_account)
        account_row = QHBoxLayout()
        account_row.addWidget(self.account_label, 1)
        account_row.addWidget(self.account_button)
        self.general_error = QLabel()
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.save_button = QPushButton("&Save details")
        self.save_button.setObjectName("save_therapist")
        self.revert_button = QPushButton("Re&vert")
        for button in (self.save_button, self.revert_button):
            button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.changed_banner = ChangedBanner(keep_key="Ctrl+S")  # saved at another desk while this is open
        self.meeting = EditsThatMeet(self, self.changed_banner, ctx.zone, prompts, what="The physiotherapist's details",
                                     parent=self)

        grid = QGridLayout()
        grid.addWidget(self.fields["full_name"], 0, 0, 1, 2)
        grid.addWidget(self.fields["designation"], 1, 0)
        grid.addWidget(self.fields["registration_number"], 1, 1)
        grid.addWidget(self.ims, 2, 0, 1, 2)
        grid.addWidget(self.fields["ims_qualified_on"], 3, 0)
        grid.addWidget(self.active, 4, 0, 1, 2)
        grid.addWidget(self.fields["colour"], 5, 0, 1, 2)
        grid.addLayout(account_row, 6, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.changed_banner)
        layout.addLayout(grid)
        layout.addWidget(self.general_error)
        layout.addStretch(1)
        layout.addLayout(buttons)

        for field in (self.full_name, self.designation, self.registration, self.ims_on, self.colour):
            field.textChanged.connect(self._update_state)
            field.returnPressed.connect(self.save)
        self.ims.toggled.connect(self._update_state)
        self.active.toggled.connect(self._update_state)
        self.colour.textChanged.connect(self._show_swatch)
        QWidget.setTabOrder(self.revert_button, self.save_button)
        self.load(None)

    # --- Loading ---------------------------------------------------------------------------------

    def load(self, therapist: TherapistInfo | None, colour: str = DEFAULT_COLOUR) -> None:
        """Show ``therapist``, or an empty form for a new one (in ``colour``) when None."""
        self.meeting.clear()
        self.therapist = therapist
        if therapist is None:
            details = TherapistDetails("", DEFAULT_DESIGNATION, "", False, None, True, colour)
        else:
            details = details_of(therapist)
        self.full_name.setText(details.full_name)
        self.designation.setText(details.designation)
        self.registration.setText(details.registration_number)
        self.ims.setChecked(details.ims_qualified)
        self.ims_on.set_date(details.ims_qualified_on)
        self.active.setChecked(details.active)
        self.colour.setText(details.colour)
        self._loaded = self.details()
        self.show_errors({})
        self.save_button.setText("&Add to the clinic" if therapist is None else "&Save details")
        self._show_account()
        self._update_state()

    # --- Sign-in account -------------------------------------------------------------------------

    def _show_account(self) -> None:
        """Who signs in as this physiotherapist (their account opens on their own "My day")."""
        from frontdesk.services.user_accounts import list_users
        from frontdesk.ui.settings.account_link import linked_account

        therapist = self.therapist
        self.account_button.setEnabled(therapist is not None and therapist.active)
        if therapist is None:
            self.account_label.setText("Sign-in account: add the physiotherapist first, then give them one.")
            return
        accounts = call_service(self, self.prompts, "Physiotherapists", list_users, self.ctx, self.actor) or []
        account = linked_account(accounts, therapist.id)
        if account is not None:
            state = "" if account.active else " — switched off"
            self.account_label.setText(f"Sign-in account: <b>{account.username}</b> ({account.display_name}){state}")
            self.account_button.setEnabled(False)
            self.account_button.setToolTip("Change it in Settings ▸ Users.")
        elif therapist.active:
            self.account_label.setText("Sign-in account: none yet. Create one, or link an account that exists.")
            self.account_button.setToolTip("")
        else:
            self.account_label.setText("Sign-in account: none (switched off physiotherapists get none).")

    def choose_account(self) -> None:
        from frontdesk.ui.settings.account_link import TherapistAccountDialog

        if self.therapist is None:
            return
        dialog = call_service(self, self.prompts, "Sign-in account", TherapistAccountDialog, self.ctx, self.actor,
                              self.therapist, self)
        if dialog is not None and dialog.exec():
            self._show_account()
            self.account_changed.emit(self.therapist)

    def details(self) -> TherapistDetails:
        return TherapistDetails(
            full_name=self.full_name.text(), designation=self.designation.text(),
            registration_number=self.registration.text(), ims_qualified=self.ims.isChecked(),
            ims_qualified_on=self.ims_on.date() if self.ims.isChecked() else None,
            active=self.active.isChecked(), colour=self.colour.text(),
        )

    @property
    def dirty(self) -> bool:
        return self.details() != self._loaded

    # --- Saved at another desk meanwhile ----------------------------------------------------------

    def meeting_touched(self, changes: set) -> bool:
        return self.therapist is not None and touches_therapist(changes, self.therapist.id)

    def meeting_read(self):
        from frontdesk.services.saved_meanwhile import therapist_as_saved

        return therapist_as_saved(self.ctx, self.actor, self.therapist.id) if self.therapist is not None else None

    def meeting_is_current(self, record: TherapistInfo) -> bool:
        return self.therapist is not None and record.version == self.therapist.version

    def meeting_dirty(self) -> bool:
        return self.dirty

    def meeting_load(self, record: TherapistInfo) -> None:
        self.load(record)

    def meeting_differences(self, record: TherapistInfo) -> list[tuple[str, str, str]]:
        from frontdesk.services.saved_meanwhile import differences

        return [(DETAIL_NAMES[d.field], shown_value(d.theirs), shown_value(d.mine))
                for d in differences(details_of(record), self.details())]

    def meeting_save_over(self, record: TherapistInfo) -> TherapistInfo | None:
        self.therapist = record  # the save goes over their version
        return self.save()

    def revert(self) -> None:
        """Re&vert: what is saved now (their version, when one came in meanwhile)."""
        if self.meeting.pending:
            self.meeting.reload()
        else:
            self.load(self.therapist)

    # --- Saving ----------------------------------------------------------------------------------

    def save(self) -> TherapistInfo | None:
        if self.meeting.pending:
            return self.meeting.keep_mine()  # type: ignore[return-value]
        if self.ims.isChecked() and self.ims_on.problem():
            self.show_errors({"ims_qualified_on": self.ims_on.problem()})
            return None
        details = self.details()
        if self.therapist is not None and not self._go_ahead(details):
            return None
        try:
            if self.therapist is None:
                saved = create_therapist(self.ctx, self.actor, details)
            else:
                saved = update_therapist(self.ctx, self.actor, self.therapist.id, details,
                                         expected_version=self.therapist.version)
        except ValidationFailed as refused:
            self.show_errors(refused.errors)
            return None
        except Conflict as stale:
            self.show_errors({}, stale.message)
            if isinstance(stale.current, TherapistInfo) and self.prompts.confirm(
                    self, "Physiotherapists",
                    stale.message + "\n\nReload what is saved now? What you changed here is replaced by it."):
                self.load(stale.current)
                self.saved.emit(stale.current)
            return None
        except ServiceError as error:
            self.show_errors({}, error.message)
            return None
        self.load(saved)
        self.saved.emit(saved)
        return saved

    def _go_ahead(self, details: TherapistDetails) -> bool:
        """Switching someone off, or taking away IMS, strands their future bookings: say which."""
        assert self.therapist is not None
        name = self.therapist.name
        if self.therapist.active and not details.active:
            booked = call_service(self, self.prompts, "Physiotherapists", booked_appointments, self.ctx, self.actor,
                                  self.therapist.id, self.ctx.now())
            if booked is None:
                return False
            message = (f"Switch {name} off? Their column leaves the day view and they can no longer be booked. "
                       "Past appointments stay in the record.")
            if booked:
                message += (f"\n\n{len(booked)} future appointment(s) stay booked with {name} until the front "
                            f"desk moves or cancels them:\n\n{describe_appointments(booked, self.ctx.zone)}")
            return self.prompts.confirm(self, "Switch off a physiotherapist", message)
        if self.therapist.ims_qualified and not details.ims_qualified:
            booked = call_service(self, self.prompts, "Physiotherapists", booked_appointments, self.ctx, self.actor,
                                  self.therapist.id, self.ctx.now(), ims_only=True)
            if booked is None:
                return False
            if booked:
                return self.prompts.confirm(
                    self, "IMS appointments already booked",
                    f"{name} has {len(booked)} IMS appointment(s) booked from now on:\n\n"
                    f"{describe_appointments(booked, self.ctx.zone)}\n\nThey stay booked; move them to an "
                    "IMS-qualified physiotherapist. Save anyway?")
        return True

    # --- State -----------------------------------------------------------------------------------

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for key, field in self.fields.items():
            field.set_error(errors.get(key))
        leftover = [text for key, text in errors.items() if key not in self.fields]
        message = " ".join(filter(None, [general, *leftover]))
        self.general_error.setText(f"⚠ {message}" if message else "")
        self.general_error.setVisible(bool(message))
        first = next((key for key in self.fields if key in errors), None)
        if first is not None:
            (self.colour if first == "colour" else self.fields[first].field).setFocus()

    def _update_state(self, *_: object) -> None:
        self.ims_on.setEnabled(self.ims.isChecked())
        self.revert_button.setEnabled(self.dirty)
        self.save_button.setEnabled(self.dirty or self.therapist is None)
        if self.therapist is None:
            self.state.setText("A new physiotherapist: fill in the details, then add them.")
        else:
            self.state.setText("Not saved yet." if self.dirty else "")

    def _show_swatch(self, text: str) -> None:
        colour = QColor(text.strip())
        valid = colour.isValid() and len(text.strip()) == 7
        self.swatch.setStyleSheet(f"background: {colour.name()}; border: 1px solid #555;" if valid
                                  else "border: 1px dashed #999;")

    def _pick_colour(self) -> None:
        colour = QColorDialog.getColor(QColor(self.colour.text().strip() or DEFAULT_COLOUR), self,
                                       "Colour in the schedule")
        if colour.isValid():
            self.colour.setText(colour.name())


class StaffDialog(QDialog):
    """Settings ▸ Physiotherapists and hours… (administrators). Emits `changed` after every save."""

    changed = Signal(set)

    def __init__(self, ctx: ServiceContext, actor: Actor, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.prompts = ctx, actor, prompts
        self.setWindowTitle("Physiotherapists and hours")
        self._restoring = False

        self.model = TherapistListModel(self)
        self.list = QTableView()
        self.list.setObjectName("therapist_list")
        self.list.setModel(self.model)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setTabKeyNavigation(False)
        self.list.verticalHeader().hide()
        header = self.list.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        list_label = QLabel("Physio&therapists")
        list_label.setBuddy(self.list)
        self.new_button = QPushButton("&New physiotherapist")
        self.new_button.setObjectName("new_therapist")
        self.new_button.setAutoDefault(False)
        self.new_button.clicked.connect(self.start_new)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(list_label)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)

        self.form = TherapistForm(ctx, actor, prompts)
        self.hours = HoursEditor(ctx, actor, prompts)
        self.time_off = ExceptionPanel(ctx, actor, prompts, ExceptionKind.TIME_OFF)
        self.extra = ExceptionPanel(ctx, actor, prompts, ExceptionKind.EXTRA_HOURS)
        self.pages = QTabWidget()
        self.pages.setObjectName("therapist_pages")
        self.pages.addTab(self.form, "&Details")
        self.pages.addTab(self.hours, "Weekly &hours")
        self.pages.addTab(self.time_off, "Time o&ff")
        self.pages.addTab(self.extra, "E&xtra hours")
        self.title = QLabel()
        self.title.setObjectName("therapist_title")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.pages, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 700])
        self.message = QLabel()
        self.message.setObjectName("staff_message")
        self.message.setWordWrap(True)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.form.saved.connect(self._therapist_saved)
        self.form.account_changed.connect(
            lambda therapist: self.message.setText(f"{therapist.name} can now sign in to their own “My day”."))
        for page in (self.hours, self.time_off, self.extra):
            page.changed.connect(self.changed)
        # The physiotherapist in the form stays selected when the list is read again; the form (perhaps
        # with typing in it) is left as it is.
        self.master = MasterDetail(self.list, lambda index: getattr(self.model.row_at(index.row()), "id", None))
        self.list.selectionModel().currentRowChanged.connect(self._current_changed)
        for meeting in (self.form.meeting, self.hours.meeting):
            meeting.note.connect(self.message.setText)
        follow_changes(self, self.changed_elsewhere)
        self.resize(1040, 620)
        remember_geometry(self, "staff_dialog")
        self.refresh()
        if self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0, 0))
        else:
            self.start_new()
        self.list.setFocus()

    # --- The list --------------------------------------------------------------------------------

    def refresh(self, select_id: int | None = None) -> None:
        therapists = call_service(self, self.prompts, "Physiotherapists", list_all_therapists, self.ctx, self.actor)
        if therapists is None:
            return
        with self.master.reload(select=select_id, show=False):
            self.model.set_rows(therapists)

    def selected(self) -> TherapistInfo | None:
        return self.model.row_at(self.list.currentIndex().row())

    def changed_elsewhere(self, changes: set) -> None:
        """Another desk changed physiotherapists: the list at once; the page shown, or its banner."""
        if not getattr(changes, "remote", False) or Kind.THERAPISTS not in changes:
            return
        shown = self.form.therapist
        self.refresh(shown.id if shown is not None else None)
        self.form.meeting.changed_elsewhere(changes)
        self.hours.meeting.changed_elsewhere(changes)
        self.time_off.changed_elsewhere(changes)
        self.extra.changed_elsewhere(changes)
        if self.form.therapist is not None:
            self._show_title(self.form.therapist)

    def _show_title(self, therapist: TherapistInfo | None) -> None:
        if therapist is None:
            self.title.setText("<b>New physiotherapist</b>")
        else:
            status = "" if therapist.active else " — switched off"
            self.title.setText(f"<b>{therapist.name}</b>{status}")

    def _unsaved_pages(self) -> list[str]:
        pages = []
        if self.form.dirty:
            pages.append("details")
        if self.hours.dirty:
            pages.append("weekly hours")
        return pages

    def _may_leave(self) -> bool:
        unsaved = self._unsaved_pages()
        if not unsaved:
            return True
        who = self.form.therapist.name if self.form.therapist else "the new physiotherapist"
        return self.prompts.confirm(self, "Unsaved changes", f"The {' and '.join(unsaved)} of {who} "
                                    "are not saved. Leave them without saving?")

    def _current_changed(self, current, previous) -> None:
        if self._restoring or self.master.reloading:
            return
        therapist = self.model.row_at(current.row())
        if therapist is not None and self.form.therapist is not None and therapist.id == self.form.therapist.id:
            return
        if not self._may_leave():
            back = previous.row() if previous.isValid() else -1
            QTimer.singleShot(0, lambda: self._select_row(back))
            return
        self._show(therapist)

    def _select_row(self, row: int) -> None:
        self._restoring = True
        try:
            if row >= 0:
                self.list.setCurrentIndex(self.model.index(row, 0))
            else:
                self.list.selectionModel().clearSelection()
                self.list.setCurrentIndex(self.model.index(-1, -1))
        finally:
            self._restoring = False

    def _show(self, therapist: TherapistInfo | None) -> None:
        self.form.load(therapist, suggested_colour([t.colour for t in self.model.rows if t.active]))
        self.hours.load(therapist, list(self.model.rows))
        self.time_off.load(therapist)
        self.extra.load(therapist)
        for page in (HOURS, TIME_OFF, EXTRA):
            self.pages.setTabEnabled(page, therapist is not None)
        self._show_title(therapist)

    def start_new(self) -> None:
        if not self._may_leave():
            return
        self._select_row(-1)
        self._show(None)
        self.message.clear()
        self.pages.setCurrentIndex(DETAILS)
        self.form.full_name.setFocus()

    def _therapist_saved(self, therapist: TherapistInfo) -> None:
        was_new = self.model.row_of(therapist.id) is None
        self.refresh(therapist.id)
        self._show(therapist)
        self.changed.emit(Changes.made(THERAPIST_CHANGES))
        if was_new:
            self.pages.setCurrentIndex(HOURS)
            self.hours.table.setFocus()
            self.message.setText(f"{therapist.name} was added. Set their weekly hours (or copy someone's) so "
                                 "the front desk can book them, and give them a sign-in account on the "
                                 "Details page.")
        else:
            self.message.setText(f"{therapist.name}'s details were saved.")

    # --- Closing ---------------------------------------------------------------------------------

    def reject(self) -> None:
        """Close, Escape and the window's close box all come here (QDialog's closeEvent calls it)."""
        if self._may_leave():
            super().reject()
