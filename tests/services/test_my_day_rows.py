"""My day's IMS outlook: the area, its verdict and its "not before" date, for IMS and ordinary visits."""

from __future__ import annotations

from datetime import date

from frontdesk.domain.appointments import ImsFlag
from frontdesk.services.my_day import my_day_rows
from my_day_scenario import CHRIS, LEFT_THIGH, TODAY, book_today, kelly_and_reid


def test_ims_and_ordinary_visits_show_the_area_its_verdict_and_the_date(ctx, reception, physio):
    knee_done, unscreened = kelly_and_reid(ctx, reception)
    ims = book_today(ctx, reception, knee_done, 11, "IMS treatment", area=LEFT_THIGH.key)
    ordinary = book_today(ctx, reception, knee_done, 13, "Physiotherapy treatment")
    other = book_today(ctx, reception, unscreened, 15, "Physiotherapy treatment")

    rows = {row.record.id: row for row in my_day_rows(ctx, physio, CHRIS, TODAY)}
    booked, knee = rows[ims.id].outlooks
    assert (booked.area, booked.flag, booked.not_before, booked.booked) == ("Left thigh", ImsFlag.ELIGIBLE, None, True)
    assert (knee.area, knee.flag, knee.not_before, knee.booked) == ("Left knee", ImsFlag.NOT_YET, date(2027, 1, 14),
                                                                     False)
    assert [(o.area, o.flag, o.not_before) for o in rows[ordinary.id].outlooks] == [
        ("Left knee", ImsFlag.NOT_YET, date(2027, 1, 14))]
    assert rows[other.id].outlooks == ()  # an ordinary visit with nothing to say about IMS


def test_an_empty_day_is_empty(ctx, physio):
    assert my_day_rows(ctx, physio, CHRIS, TODAY) == []
