"""A visitor finds the Ministry of Defence's 2021 entries with the filters, downloads exactly
those as CSV and XLSX, and switches language without losing the filters."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from public.filters import published_entries

pytestmark = pytest.mark.django_db(transaction=True)


def expected_rows():
    """(entry id, category code) of every row the download must hold: a total row per entry,
    then a row per reported category."""
    entries = published_entries().filter(organisation__slug="def", round__year=2021)
    rows = set()
    for entry in entries.prefetch_related("values__category"):
        rows.add((entry.pk, ""))
        rows.update((entry.pk, v.category.code) for v in entry.values.all() if v.category_id)
    return rows


def test_find_download_and_switch_language(live_server, browser, tmp_path):
    call_command("load_demo", verbosity=0)
    wanted = expected_rows()
    wanted_ids = {entry_id for entry_id, _code in wanted}
    assert wanted_ids  # the demo has Defence entries for 2021

    context = browser.new_context(
        locale="en-GB", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/en/entries/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress entries")

    page.get_by_label("Organisation", exact=True).select_option(label="Ministry of Defence")
    page.get_by_label("Year").select_option("2021")
    page.get_by_role("button", name="Show entries").click()

    expect(page).to_have_url(f"{live_server.url}/en/entries/?{page.url.split('?', 1)[1]}")
    assert "organisation=def" in page.url and "year=2021" in page.url
    expect(page.locator(".result-count")).to_contain_text(f"{len(wanted_ids)} entries found.")
    expect(page.locator("li.entry")).to_have_count(len(wanted_ids))
    shown = {
        int(item.get_attribute("id").removeprefix("entry-"))
        for item in page.locator("li.entry").all()
    }
    assert shown == wanted_ids

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    csv_path = tmp_path / "entries.csv"
    csv_download.value.save_as(csv_path)
    reader = csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig")))
    csv_rows = [(int(row["entry_id"]), row["category"]) for row in reader]
    assert sorted(csv_rows) == sorted(wanted)

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="XLSX").click()
    xlsx_path = tmp_path / "entries.xlsx"
    xlsx_download.value.save_as(xlsx_path)
    sheet = openpyxl.load_workbook(xlsx_path).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    records = [dict(zip(header, row, strict=True)) for row in rows]
    xlsx_rows = [(int(r["entry_id"]), r["category"] or "") for r in records]
    assert sorted(xlsx_rows) == sorted(wanted)
    assert {r["organisation"] for r in records} == {"def"}
    assert {r["organisation_name"] for r in records} == {"Ministry of Defence"}

    # Switching to Dutch keeps the filters: same entries, the form still set.
    page.locator(".language-switcher").get_by_role("link", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert page.url.startswith(f"{live_server.url}/nl/entries/?")
    assert "organisation=def" in page.url and "year=2021" in page.url
    expect(page.locator("li.entry")).to_have_count(len(wanted_ids))
    expect(page.locator("#id_organisation")).to_have_value("def")
    expect(page.locator("#id_year")).to_have_value("2021")
    expect(page.locator("#id_organisation option:checked")).to_have_text("Ministerie van Defensie")
    context.close()
