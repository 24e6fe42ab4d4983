"""The patient's details: names, birth date, contact, payer and referral, with errors beside fields."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from frontdesk.domain.contact import ContactError, format_phone, parse_phone
from frontdesk.domain.patients import MAX_NAME, PatientDetails
from frontdesk.domain.payer import Payer, referral_requirement
from frontdesk.ui.common.widgets import DateEdit, Field


class PatientForm(QGroupBox):
    """Holds what is typed; the services decide what can be saved (their errors land beside fields)."""

    #: Something was typed or chosen.
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Patient", parent)
        self.family_name = QLineEdit(maxLength=MAX_NAME)
        self.given_names = QLineEdit(maxLength=MAX_NAME)
        self.given_names.setPlaceholderText("Blank if one name only")
        self.given_names.setToolTip(
            "Some people have one legal name only: type it as the family name and leave this blank.")
        self.preferred_name = QLineEdit(maxLength=MAX_NAME)
        self.date_of_birth = DateEdit()
        self.phone = QLineEdit(maxLength=40)
        self.phone.setPlaceholderText("250 555 0123")
        self.email = QLineEdit(maxLength=320)
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(48)
        self.emergency_contact = QLineEdit(maxLength=2000)
        self.emergency_contact.setPlaceholderText("Name, relationship, phone")
        self.payer = QComboBox()
        for payer in Payer:
            self.payer.addItem(payer.label, payer.value)
        self.payer.setCurrentIndex(self.payer.findData(Payer.self_pay.value))
        self.plan_details = QLineEdit(maxLength=2000)
        self.plan_details.setPlaceholderText("Insurer, plan and member number")
        self.referral_doctor = QLineEdit(maxLength=MAX_NAME)
        self.referral_date = DateEdit()
        self.claim_number = QLineEdit(maxLength=64)
        self.referral_hint = QLabel()
        self.referral_hint.setWordWrap(True)
        self.referral_hint.setStyleSheet("color: palette(dark);")
        self.email_reminders = QCheckBox("Yes, agreed")
        self.email_reminders.setToolTip("The patient agreed to appointment reminders by email. Only patients who said "
                                        "yes get reminders; the day they agreed is kept.")
        self.email_reminders_agreed_on = DateEdit()
        self.email_reminders_agreed_on.setPlaceholderText("today")

        self.fields: dict[str, Field] = {
            # One of the two is enough: some people have one legal name only (the domain checks it).
            "family_name": Field("&Legal family name", self.family_name),
            "given_names": Field("Legal &given names", self.given_names),
            "preferred_name": Field("P&referred name", self.preferred_name),
            "date_of_birth": Field("Date of &birth", self.date_of_birth, required=True),
            "phone": Field("Ph&one", self.phone),
            "email": Field("E&mail", self.email),
            "address": Field("A&ddress", self.address),
            "emergency_contact": Field("Emergenc&y contact", self.emergency_contact),
            "payer": Field("&Who pays", self.payer),
            # No Alt+letter is left for these three (the window's tabs and menus use the rest); Tab
            # from "Who pays" reaches them.
            "plan_details": Field("Plan details", self.plan_details),
            "referral_doctor": Field("Referring doctor", self.referral_doctor),
            "referral_date": Field("Referral date", self.referral_date),
            "claim_number": Field("Claim n&umber", self.claim_number),
            "email_reminders": Field("Email reminders", self.email_reminders),
            "email_reminders_agreed_on": Field("Agreed on", self.email_reminders_agreed_on),
        }
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        # Two equal columns for short values; values that run long (email, address, emergency contact,
        # who pays and the plan) take the whole width, so nothing is cut short on the smallest screen.
        placement = (
            ("family_name", 0, 0, 1), ("given_names", 0, 1, 1),
            ("preferred_name", 1, 0, 1), ("date_of_birth", 1, 1, 1),
            ("phone", 2, 0, 1),
            ("email", 3, 0, 2),
            ("address", 4, 0, 2),
            ("emergency_contact", 5, 0, 2),
            ("payer", 6, 0, 2),
            ("plan_details", 8, 0, 2),
            ("referral_doctor", 9, 0, 1), ("referral_date", 9, 1, 1),
            ("claim_number", 10, 0, 1),
            ("email_reminders", 11, 0, 1), ("email_reminders_agreed_on", 11, 1, 1),
        )  # fmt: skip
        for key, row, column, span in placement:
            grid.addWidget(self.fields[key], row, column, 1, span)
        grid.addWidget(self.referral_hint, 7, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(0, 120)
        grid.setColumnMinimumWidth(1, 120)
        self._set_tab_order()

        self._notes = ""
        for line in (self.family_name, self.given_names, self.preferred_name, self.date_of_birth, self.phone,
                     self.email, self.emergency_contact, self.plan_details, self.referral_doctor,
                     self.referral_date, self.claim_number):
            line.textChanged.connect(self.edited)
        self.address.textChanged.connect(self.edited)
        self.email_reminders_agreed_on.textChanged.connect(self.edited)
        self.email_reminders.toggled.connect(self._reminders_toggled)
        self.email_reminders.toggled.connect(lambda _on: self.edited.emit())
        self.email_reminders_agreed_on.editingFinished.connect(lambda: self._check_date("email_reminders_agreed_on"))
        self.payer.currentIndexChanged.connect(self._payer_changed)
        self.payer.currentIndexChanged.connect(lambda _index: self.edited.emit())
        self.phone.editingFinished.connect(self._check_phone)
        self.date_of_birth.editingFinished.connect(lambda: self._check_date("date_of_birth"))
        self.referral_date.editingFinished.connect(lambda: self._check_date("referral_date"))
        self._payer_changed()
        self._reminders_toggled(False)

    def _set_tab_order(self) -> None:
        order = [self.family_name, self.given_names, self.preferred_name, self.date_of_birth, self.phone,
                 self.email, self.address, self.emergency_contact, self.payer, self.plan_details,
                 self.referral_doctor, self.referral_date, self.claim_number, self.email_reminders,
                 self.email_reminders_agreed_on]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    @property
    def first_widget(self) -> QWidget:
        return self.family_name

    @property
    def last_widget(self) -> QWidget:
        return self.email_reminders_agreed_on  # skipped by Tab while reminders are not ticked (disabled)

    # --- Values ----------------------------------------------------------------------------------

    def current_payer(self) -> Payer:
        return Payer(self.payer.currentData())

    def details(self) -> PatientDetails:
        """What is typed, as the services take it (an unreadable date is None; see `local_errors`).

        Fields hidden for the chosen payer keep their text, so switching the payer loses nothing."""
        return PatientDetails(
            family_name=self.family_name.text(),
            given_names=self.given_names.text(),
            preferred_name=self.preferred_name.text(),
            date_of_birth=self.date_of_birth.date(),
            phone=self.phone.text(),
            email=self.email.text(),
            address=self.address.toPlainText(),
            emergency_contact=self.emergency_contact.text(),
            payer=self.current_payer().value,
            plan_details=self.plan_details.text(),
            referral_doctor=self.referral_doctor.text(),
            referral_date=self.referral_date.date(),
            claim_number=self.claim_number.text(),
            notes=self._notes,
            email_reminders=self.email_reminders.isChecked(),
            email_reminders_agreed_on=self.email_reminders_agreed_on.date() if self.email_reminders.isChecked()
            else None,
        )

    def local_errors(self) -> dict[str, str]:
        """Problems the form sees before asking a service: dates it cannot read."""
        errors: dict[str, str] = {}
        for key, edit in (("date_of_birth", self.date_of_birth), ("referral_date", self.referral_date),
                          ("email_reminders_agreed_on", self.email_reminders_agreed_on)):
            if (problem := edit.problem()):
                errors[key] = problem
        return errors

    def set_details(self, details: PatientDetails) -> None:
        self.family_name.setText(details.family_name)
        self.given_names.setText(details.given_names)
        self.preferred_name.setText(details.preferred_name)
        self.date_of_birth.set_date(details.date_of_birth)
        self.phone.setText(format_phone(details.phone))
        self.email.setText(details.email)
        self.address.setPlainText(details.address)
        self.emergency_contact.setText(details.emergency_contact)
        self.payer.setCurrentIndex(max(0, self.payer.findData(details.payer)))
        self.plan_details.setText(details.plan_details)
        self.referral_doctor.setText(details.referral_doctor)
        self.referral_date.set_date(details.referral_date)
        self.claim_number.setText(details.claim_number)
        self.email_reminders.setChecked(details.email_reminders)
        self.email_reminders_agreed_on.set_date(details.email_reminders_agreed_on)
        self._reminders_toggled(details.email_reminders)
        self._notes = details.notes
        self.clear_errors()

    def clear(self) -> None:
        self.set_details(PatientDetails(family_name="", given_names="", date_of_birth=None))

    # --- Errors ----------------------------------------------------------------------------------

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Put each message beside its field; return the keys this form showed."""
        shown = []
        for key, message in errors.items():
            field = self.fields.get("referral_doctor" if key == "doctor" else key)
            if field is not None:
                field.set_error(message)
                shown.append(key)
        return shown

    def clear_errors(self) -> None:
        for field in self.fields.values():
            field.set_error(None)

    def first_error_widget(self) -> QWidget | None:
        for field in self.fields.values():
            if field.error:
                return field.field
        return None

    # --- Live checks -----------------------------------------------------------------------------

    def _check_phone(self) -> None:
        text = self.phone.text().strip()
        if not text:
            self.fields["phone"].set_error(None)
            return
        try:
            phone = parse_phone(text)
        except ContactError as error:
            self.fields["phone"].set_error(str(error))
            return
        self.fields["phone"].set_error(None)
        if self.phone.text() != phone.display:
            self.phone.setText(phone.display)

    def _check_date(self, key: str) -> None:
        edit = {"date_of_birth": self.date_of_birth, "referral_date": self.referral_date,
                "email_reminders_agreed_on": self.email_reminders_agreed_on}[key]
        self.fields[key].set_error(edit.problem())

    def _reminders_toggled(self, on: bool) -> None:
        """The day of the agreement only matters with a yes (and is today unless typed)."""
        self.email_reminders_agreed_on.setEnabled(on)
        if not on:
            self.fields["email_reminders_agreed_on"].set_error(None)

    def _payer_changed(self) -> None:
        payer = self.current_payer()
        shows_referral = payer is not Payer.self_pay
        for key in ("plan_details", "referral_doctor", "referral_date"):
            self.fields[key].setVisible(shows_referral)
        self.fields["plan_details"].setVisible(payer is Payer.private_plan)
        self.fields["claim_number"].setVisible(payer.is_claim)
        for key, text in (("referral_doctor", "Referring doctor"), ("referral_date", "Referral date"),
                          ("claim_number", "Claim n&umber")):
            self.fields[key].set_required(text, payer.is_claim)
        self.referral_hint.setText(referral_requirement(payer).text)
