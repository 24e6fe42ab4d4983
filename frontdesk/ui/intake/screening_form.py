"""The IMS questionnaire: every question as explicit choices, the planned areas, and past operations
(their table is in screening_operations)."""

from __future__ import annotations

from PySide6.QtCore import (
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLayoutItem,
    QListView,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.areas import ALL_AREAS, BodyArea, Side
from frontdesk.domain.conditions import CONDITIONS, areas_for
from frontdesk.domain.screening import QUESTIONS, Answer, Question, QuestionKey, ScreeningAnswers
from frontdesk.ui.common.widgets import ERROR_COLOUR, ERROR_STYLE
from frontdesk.ui.intake.screening_operations import OperationsEditor

# --- One question -------------------------------------------------------------------------------


class _FlowLayout(QLayout):
    """Items left to right, wrapping onto the next line when the width runs out (the choices of a
    question: three in a row on a wide screen, one under the other on a narrow one)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 14, line_spacing: int = 2) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing, self._line_spacing = spacing, line_spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt's name
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt's name
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt's name
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        width = sum(item.sizeHint().width() for item in self._items) + self._spacing * max(0, len(self._items) - 1)
        return QSize(width, self.heightForWidth(width))

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt's name
        widest = max((item.minimumSize().width() for item in self._items), default=0)
        return QSize(widest, self.heightForWidth(widest))

    def _place(self, rect: QRect, *, move: bool) -> int:
        x, y, line_height = rect.x(), rect.y(), 0
        for item in self._items:
            size = item.sizeHint()
            if x > rect.x() and x + size.width() > rect.right() + 1:
                x, y = rect.x(), y + line_height + self._line_spacing
                line_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), size))
            x += size.width() + self._spacing
            line_height = max(line_height, size.height())
        return y + line_height - rect.y()


class QuestionRow(QFrame):
    """A question with one radio button per choice; nothing is chosen until the patient answers."""

    answered = Signal(str, str)

    def __init__(self, number: int, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.setObjectName(f"question_{question.key.value}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        self.text_label = QLabel(f"<b>{number}.</b> {question.text}")
        self.text_label.setWordWrap(True)
        layout.addWidget(self.text_label)
        if question.help:
            help_label = QLabel(question.help)
            help_label.setWordWrap(True)
            help_label.setStyleSheet("color: palette(dark); font-size: small;")
            layout.addWidget(help_label)
        choices = _FlowLayout()
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QRadioButton] = {}
        for choice in question.choices:
            button = QRadioButton(choice.label)
            button.setObjectName(f"{question.key.value}_{choice.value}")
            button.setProperty("choice", choice.value)
            self.group.addButton(button)
            self.buttons[choice.value] = button
            choices.addWidget(button)
        layout.addLayout(choices)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.group.buttonToggled.connect(self._toggled)

    def value(self) -> str | None:
        button = self.group.checkedButton()
        return None if button is None else str(button.property("choice"))

    def set_value(self, value: str | None) -> None:
        if value is None:
            self.group.setExclusive(False)
            for button in self.buttons.values():
                button.setChecked(False)
            self.group.setExclusive(True)
        else:
            self.buttons[value].setChecked(True)

    def set_problem(self, message: str | None) -> None:
        if message:
            self.error_label.setText(f"⚠ {message}")
            self.error_label.show()
            self.setStyleSheet(f"QFrame#{self.objectName()} {{ border: 2px solid {ERROR_COLOUR}; }}")
        else:
            self.error_label.hide()
            self.setStyleSheet("")

    @property
    def problem(self) -> str:
        return self.error_label.text().removeprefix("⚠ ") if not self.error_label.isHidden() else ""

    def _toggled(self, button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.set_problem(None)
            self.answered.emit(self.question.key.value, str(button.property("choice")))


# --- Planned areas and the presenting condition -------------------------------------------------

AREA_COLUMNS = 3


class _AreaList(QListWidget):
    """The areas head to toe in as many columns as fit the width (three at most), never scrolling and
    never cutting a name short: the height follows the number of columns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFlow(QListView.Flow.TopToBottom)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.columns = AREA_COLUMNS

    def column_width(self) -> int:
        widest = max((self.fontMetrics().horizontalAdvance(self.item(row).text()) for row in range(self.count())),
                     default=0)
        indicator = self.style().pixelMetric(self.style().PixelMetric.PM_IndicatorWidth)
        return widest + indicator + 24

    def fit_columns(self) -> None:
        if not self.count():
            return
        # Every cell as wide as the longest name (a uniform size would take the first, shorter one).
        grid = QSize(self.column_width(), self.sizeHintForRow(0))
        if self.gridSize() != grid:
            self.setGridSize(grid)
        inner = self.viewport().width() if self.isVisible() else self.width() - 2 * self.frameWidth()
        columns = max(1, min(AREA_COLUMNS, inner // max(1, self.column_width())))
        rows = -(-self.count() // columns)
        height = rows * grid.height() + 2 * self.frameWidth() + 8
        self.columns = columns
        if height != self.height():
            self.setFixedHeight(height)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.column_width() + 2 * self.frameWidth(), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_columns()


class PlannedAreasWidget(QGroupBox):
    """What brings the patient in (pre-fills the usual areas for the chosen side) and the areas to treat."""

    changed = Signal()

    SIDES = (("Side…", ""), ("Left", "left"), ("Right", "right"), ("Both sides", "both"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What brings the patient in, and the areas to treat", parent)
        self.condition = QComboBox()
        self.condition.setObjectName("presenting_condition")
        self.condition.setEditable(True)
        self.condition.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.condition.addItem("", None)
        for condition in CONDITIONS:
            self.condition.addItem(condition.label, condition.key)
        self.condition.lineEdit().setPlaceholderText("Choose from the list or describe it")
        self.condition.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.condition.setMinimumContentsLength(16)
        self.side = QComboBox()
        self.side.setObjectName("condition_side")
        for label, value in self.SIDES:
            self.side.addItem(label, value)
        condition_label = QLabel("Presenting &condition")
        condition_label.setBuddy(self.condition)
        side_label = QLabel("Side")
        side_label.setBuddy(self.side)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(dark);")

        self.areas = _AreaList()
        self.areas.setObjectName("planned_areas")
        for area in ALL_AREAS:
            item = QListWidgetItem(area.label)
            item.setToolTip(area.label)
            item.setData(Qt.ItemDataRole.UserRole, area.key)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.areas.addItem(item)
        self.areas.fit_columns()
        areas_label = QLabel("Areas to treat (Space ticks the highlighted area)")
        areas_label.setBuddy(self.areas)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()

        # Condition and side one under the other: side by side they squeezed the side to "S" on a small screen.
        self.side.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        top = QGridLayout()
        top.addWidget(condition_label, 0, 0)
        top.addWidget(self.condition, 0, 1)
        top.addWidget(side_label, 1, 0)
        top.addWidget(self.side, 1, 1, Qt.AlignmentFlag.AlignLeft)
        top.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(areas_label)
        layout.addWidget(self.areas)
        layout.addWidget(self.error_label)

        self._prefilled: set[str] = set()
        self._filling = False
        self.condition.currentIndexChanged.connect(self._prefill)
        self.condition.editTextChanged.connect(lambda _text: self.changed.emit())
        self.side.currentIndexChanged.connect(self._prefill)
        self.areas.itemChanged.connect(self._item_changed)

    def presenting_condition(self) -> str:
        return self.condition.currentText().strip()

    def planned_areas(self) -> tuple[BodyArea, ...]:
        return tuple(
            BodyArea.parse(item.data(Qt.ItemDataRole.UserRole))
            for item in (self.areas.item(row) for row in range(self.areas.count()))
            if item.checkState() == Qt.CheckState.Checked
        )

    def set_checked(self, keys: set[str]) -> None:
        self._filling = True
        for row in range(self.areas.count()):
            item = self.areas.item(row)
            chosen = item.data(Qt.ItemDataRole.UserRole) in keys
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
        self._filling = False
        self.changed.emit()

    def clear(self) -> None:
        self.condition.setCurrentIndex(0)
        self.condition.setEditText("")
        self.side.setCurrentIndex(0)
        self._prefilled = set()
        self.set_checked(set())
        self.set_problem(None)

    def show_saved(self, condition: str, areas: tuple[BodyArea, ...]) -> None:
        """The presenting condition and the ticked areas of a saved screening (the side is not stored)."""
        self.clear()
        self._filling = True  # choosing the condition must not tick its usual areas over the saved ones
        index = self.condition.findText(condition) if condition else 0
        if index > 0:
            self.condition.setCurrentIndex(index)
        else:
            self.condition.setEditText(condition)
        self._filling = False
        self.hint.clear()
        self._prefilled = set()
        self.set_checked({area.key for area in areas})

    def set_problem(self, message: str | None) -> None:
        self.error_label.setText(f"⚠ {message}" if message else "")
        self.error_label.setVisible(bool(message))

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        self._prefilled.discard(item.data(Qt.ItemDataRole.UserRole))
        self.set_problem(None)
        self.changed.emit()

    def _prefill(self) -> None:
        if self._filling:
            return
        key = self.condition.currentData()
        if key is None or self.condition.currentText() != self.condition.itemText(self.condition.currentIndex()):
            self.hint.clear()
            self.changed.emit()
            return
        side = self.side.currentData()
        try:
            areas = areas_for(key, Side(side) if side in ("left", "right") else None, both_sides=side == "both")
        except ValueError as error:
            self.hint.setText(f"{error} The usual areas are then ticked for you.")
            self.changed.emit()
            return
        condition = next(c for c in CONDITIONS if c.key == key)
        self.hint.setText("Usual areas ticked; change them as needed." if condition.regions
                          else "This condition can affect any area: tick the areas to treat.")
        checked = {area.key for area in self.planned_areas()} - self._prefilled
        self._prefilled = {area.key for area in areas} - checked
        self.set_checked(checked | {area.key for area in areas})


# --- The whole questionnaire --------------------------------------------------------------------


class ScreeningForm(QWidget):
    """The questions, the planned areas and the operations; `answers()` is what is filled in so far."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.planned = PlannedAreasWidget()
        self.questions: dict[str, QuestionRow] = {}
        questions_box = QGroupBox("IMS screening questions (every question needs an answer)")
        questions_layout = QVBoxLayout(questions_box)
        questions_layout.setSpacing(6)
        self.operations = OperationsEditor()
        for number, question in enumerate(QUESTIONS, start=1):
            row = QuestionRow(number, question)
            row.answered.connect(self._answered)
            self.questions[question.key.value] = row
            questions_layout.addWidget(row)
            if question.key is QuestionKey.had_surgery:
                questions_layout.addWidget(self.operations)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.planned)
        layout.addWidget(questions_box)
        self.planned.changed.connect(self.changed)
        self.operations.model.changed.connect(self._operations_changed)
        self._update_operations()
        self._baseline = self._state()

    def answers(self) -> ScreeningAnswers:
        given = {key: value for key, row in self.questions.items() if (value := row.value()) is not None}
        surgeries = () if given.get(QuestionKey.had_surgery.value) == Answer.no else self.operations.model.surgeries()
        return ScreeningAnswers(given, surgeries, self.planned.planned_areas())

    def presenting_condition(self) -> str:
        return self.planned.presenting_condition()

    def is_touched(self) -> bool:
        """Anything answered, chosen or typed since the form was cleared or showed a saved screening:
        then saving means saving a (new) screening."""
        return self._state() != self._baseline

    def _state(self) -> tuple:
        rows = tuple((row.date_text.strip(), row.region, row.side) for row in self.operations.model.rows
                     if not row.is_blank)
        return ({key: row.value() for key, row in self.questions.items()}, self.planned.planned_areas(),
                self.planned.presenting_condition(), rows)

    def show_saved(self, answers: ScreeningAnswers, condition: str) -> None:
        """Fill the form with a saved screening, exactly as it was recorded; it counts as untouched until
        something is changed (then saving records a new screening)."""
        self.clear()
        given = answers.answer_map
        for key, row in self.questions.items():
            row.set_value(given.get(key))
        self.operations.model.set_surgeries(answers.surgeries)
        self.planned.show_saved(condition, answers.planned_areas)
        self._update_operations()
        self._baseline = self._state()
        self.changed.emit()

    def missing(self) -> list[str]:
        return [key for key, row in self.questions.items() if row.value() is None]

    def local_errors(self) -> dict[str, str]:
        problems = self.operations.model.problems()
        return {"surgeries": " ".join(problems)} if problems else {}

    def show_problems(self, errors: dict[str, str]) -> QWidget | None:
        """Highlight every problem; return the first widget to bring into view."""
        first: QWidget | None = None
        for key, row in self.questions.items():
            row.set_problem(errors.get(key))
            if key in errors and first is None:
                first = row
        self.planned.set_problem(errors.get("planned_areas"))
        self.operations.set_problem(errors.get("surgeries"))
        if first is None and "planned_areas" in errors:
            first = self.planned
        if first is None and "surgeries" in errors:
            first = self.operations
        return first

    def clear(self) -> None:
        for row in self.questions.values():
            row.set_value(None)
            row.set_problem(None)
        self.operations.model.clear()
        self.operations.set_problem(None)
        self.planned.clear()
        self._update_operations()
        self._baseline = self._state()
        self.changed.emit()

    def _answered(self, key: str, _value: str) -> None:
        if key == QuestionKey.had_surgery.value:
            self._update_operations()
        self.changed.emit()

    def _operations_changed(self) -> None:
        self.operations.set_problem(None)
        self.changed.emit()

    def _update_operations(self) -> None:
        answer = self.questions[QuestionKey.had_surgery.value].value()
        self.operations.setEnabled(answer not in (None, Answer.no.value))
