"""Slack: `/mentor report` uploads the programme's table (CSV) and chart (PNG) into the
coordinator's DM with the bot (files_upload_v2 through the fake Web API), after the message
that says what they are."""

from __future__ import annotations

from tests.e2e.conftest import SlackWorld

MENTOR, ADEPT, COORD = "UMENTOR", "UADEPT", "UCOORD"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def test_report_uploads_a_csv_and_a_chart_to_the_coordinators_dm(world: SlackWorld) -> None:
    fake = world.fake
    await world.command(
        COORD, 'program new "Vår 2027" --purpose onboarding --start 2026-11-02 --end 2027-04-30'
    )
    await world.command(COORD, "enroll <@UMENTOR|maja> as mentor")
    await world.command(COORD, "enroll <@UADEPT|åsa> as adept")
    await world.command(COORD, "pair <@UMENTOR|maja> <@UADEPT|åsa>")
    await world.deliver()

    await world.command(COORD, "report")  # the coordinator reads English

    csv, chart = fake.files.shared_in(f"D{COORD}")
    assert csv.filename.startswith("report-vår-2027-") and csv.filename.endswith(".csv")
    assert chart.filename.endswith(".png") and (chart.content or b"").startswith(PNG_MAGIC)
    assert (csv.title, chart.title) == ("Table: Vår 2027", "Chart: Vår 2027")
    table = (csv.content or b"").decode("utf-8-sig")
    assert "Maja" in table and "Åsa" in table
    assert fake.all_problems() == []
    assert fake.files.shared_in(f"D{MENTOR}") == [] and fake.files.shared_in(f"D{ADEPT}") == []
