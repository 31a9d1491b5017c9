"""Feedback and survey pages: the filtered list, one feedback moved on, survey results; each in
Chinese and English, and only for those who may read what customers wrote."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client

from dossier.activity.kinds import kind
from dossier.activity.selectors import timeline_page
from dossier.feedback import services
from dossier.feedback.models import Feedback, Survey

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def complaint(owner: Any, customer: Any) -> Feedback:
    return services.record_feedback(
        actor=owner, customer_id=customer.pk, kind="complaint", text="投诉物流慢", csat=1
    )


@pytest.fixture
def praise(owner: Any, customer: Any) -> Feedback:
    return services.record_feedback(
        actor=owner, customer_id=customer.pk, kind="praise", text="导购热情", nps=10
    )


def test_the_list_filters_by_kind_and_status(
    owner: Any, complaint: Feedback, praise: Feedback
) -> None:
    client = _client(owner)
    everything = client.get("/feedback/").content.decode()
    assert "投诉物流慢" in everything and "导购热情" in everything
    complaints = client.get("/feedback/?kind=complaint").content.decode()
    assert "投诉物流慢" in complaints and "导购热情" not in complaints
    resolved = client.get("/feedback/?status=resolved").content.decode()
    assert "No feedback matches." in resolved
    odd = client.get("/feedback/?kind=%00&status=zzz&cursor=nonsense")
    assert odd.status_code == 200  # odd filters are ignored, not a server error


def test_the_list_speaks_chinese(owner: Any, complaint: Feedback) -> None:
    page = _client(owner, "zh-hans").get("/feedback/").content.decode()
    assert "客户反馈" in page and "投诉" in page and "待处理" in page


def test_a_manager_sees_the_teams_feedback_and_others_their_own(
    manager: Any, stranger: Any, complaint: Feedback, make_customer: Any
) -> None:
    services.record_feedback(
        actor=stranger, customer_id=make_customer(stranger).pk, kind="suggestion", text="西区建议"
    )
    team = _client(manager).get("/feedback/").content.decode()
    assert "投诉物流慢" in team and "西区建议" not in team
    west = _client(stranger).get("/feedback/").content.decode()
    assert "西区建议" in west and "投诉物流慢" not in west


def test_feedback_is_acknowledged_then_resolved_on_its_page(
    owner: Any, complaint: Feedback
) -> None:
    client = _client(owner)
    page = client.get(f"/feedback/{complaint.pk}/").content.decode()
    assert "投诉物流慢" in page and 'value="acknowledged"' in page
    url = f"/feedback/{complaint.pk}/status/"
    assert client.post(url, {"status": "acknowledged"}).status_code == 302
    missing = client.post(url, {"status": "resolved", "resolution": ""})
    assert missing.status_code == 422
    assert "Resolution is required." in missing.content.decode()
    assert Feedback.objects.get(pk=complaint.pk).status == "acknowledged"
    done = client.post(url, {"status": "resolved", "resolution": "已补发"}, follow=True)
    assert "Marked as resolved." in done.content.decode()
    assert Feedback.objects.get(pk=complaint.pk).resolution == "已补发"


def test_others_get_error_pages_and_change_nothing(
    complaint: Feedback, stranger: Any, marketer: Any, analyst: Any
) -> None:
    url = f"/feedback/{complaint.pk}/"
    for user, status in ((stranger, 404), (analyst, 404), (marketer, 403)):
        client = _client(user)
        assert client.get(url).status_code == status
        assert client.post(f"{url}status/", {"status": "acknowledged"}).status_code == status
    assert _client(marketer).get("/feedback/").status_code == 403
    assert Feedback.objects.get(pk=complaint.pk).status == "new"


def test_survey_results_show_the_summary_and_the_answers(
    owner: Any, customer: Any, survey: Survey, marketer: Any
) -> None:
    services.submit_response(
        actor=owner,
        survey_id=survey.pk,
        customer_id=customer.pk,
        answers={"satisfaction": 4, "recommend": 9, "channel": "store", "comment": "门店很近"},
    )
    listing = _client(owner, "zh-hans").get("/feedback/surveys/").content.decode()
    assert "售后回访满意度" in listing and f"/feedback/surveys/{survey.pk}/" in listing
    results = _client(owner).get(f"/feedback/surveys/{survey.pk}/").content.decode()
    assert 'id="summary-csat">4.0 / 5' in results
    assert "100.0" in results and "门店很近" in results and "门店" in results
    # marketing reads the surveys but not the customers' answers
    assert (
        f"/feedback/surveys/{survey.pk}/"
        not in _client(marketer).get("/feedback/surveys/").content.decode()
    )
    assert _client(marketer).get(f"/feedback/surveys/{survey.pk}/").status_code == 403


def test_timeline_entries_show_what_was_written_only_to_those_who_may_read_it(
    owner: Any, customer: Any, marketer: Any, complaint: Feedback, survey: Survey
) -> None:
    services.submit_response(
        actor=owner,
        survey_id=survey.pk,
        customer_id=customer.pk,
        answers={"satisfaction": 2, "comment": "等太久"},
    )
    for user, shown in ((owner, True), (marketer, False)):
        page = timeline_page(actor=user, customer_id=customer.pk)
        html = ""
        mine = [e for e in page.entries if e.kind in ("feedback", "survey")]
        assert len(mine) == 2  # the complaint's follow-up task is on the timeline too
        for entry in mine:
            entry_kind = kind(entry.kind)
            assert entry_kind is not None
            row = page.rows.get((entry.kind, entry.object_id))
            html += render_to_string(entry_kind.template, {"entry": entry, "row": row})
        assert "complaint" in html and "CSAT 1" in html and "售后回访满意度" in html
        assert ("投诉物流慢" in html) is shown and ("等太久" in html) is shown
