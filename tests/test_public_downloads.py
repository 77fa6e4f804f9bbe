"""Downloads hold exactly the filtered entries (all pages), in long format, safe to open in a
spreadsheet, without unpublished data, with a fixed number of queries."""

import csv
import io
import json
from urllib.parse import urlencode

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from public.downloads import COLUMNS
from tests.factories import OrganisationFactory
from tests.test_public_entries import SECRET, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def download(client, fmt, **params):
    url = reverse("public:entries-download", args=[fmt])
    if params:
        url += "?" + urlencode(params)
    return client.get(url)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[dict]:
    text = body(response).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def json_entries(response) -> list[dict]:
    return json.loads(body(response))["entries"]


def test_csv_is_long_format_with_a_row_per_entry_and_category(client, world):
    defence = OrganisationFactory(slug="def", name_en="Ministry of Defence")
    [entry] = world.add_entries(1, organisation=defence)
    response = download(client, "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert list(rows[0]) == COLUMNS
    assert [(r["category"], r["category_name"], r["value"]) for r in rows] == [
        ("", "", "12"),
        ("local", "Lokaal", "5"),
        ("national", "Nationaal", "7"),
    ]
    first = rows[0]
    assert first["entry_id"] == str(entry.pk)
    assert first["plan"] == "nap-test"
    assert first["year"] == "2021"
    assert first["goal"] == "1"
    assert first["subgoal"] == "1.a"
    assert first["indicator"] == "1.a.1"
    assert first["indicator_kind"] == "count"
    assert first["organisation"] == "def"
    assert first["organisation_name"] == "Ministry of Defence"
    # Plain text, in the plan's language because there is no English text.
    assert first["narrative"] == "Voortgang op lokaal niveau."
    assert first["narrative_language"] == "nl"


def test_download_follows_the_url_language(client, world):
    world.add_entries(1, organisation=OrganisationFactory(name_nl="Ministerie", name_en="Ministry"))
    url = reverse("public:entries-download", args=["csv"])
    assert csv_rows(client.get(url.replace("/en/", "/nl/")))[0]["organisation_name"] == (
        "Ministerie"
    )
    assert csv_rows(client.get(url))[0]["organisation_name"] == "Ministry"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_downloads_hold_exactly_the_filtered_entries_of_all_pages(client, world, fmt):
    defence = OrganisationFactory(slug="def")
    wanted = world.add_entries(1, organisation=defence)
    # More entries than one page of the list, so the download is not the page.
    others = world.add_entries(24)
    response = download(client, fmt, year=2021)
    if fmt == "json":
        ids = [entry["entry_id"] for entry in json_entries(response)]
        assert sorted(ids) == sorted(e.pk for e in wanted + others)
    else:
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        assert len(rows) == 25 * 3
        assert {int(r["entry_id"]) for r in rows} == {e.pk for e in wanted + others}
    response = download(client, fmt, organisation="def")
    if fmt == "json":
        [entry] = json_entries(response)
        assert entry["entry_id"] == wanted[0].pk
        assert entry["values"] == [
            {"category": None, "category_name": "", "value": "12"},
            {"category": "local", "category_name": "Lokaal", "value": "5"},
            {"category": "national", "category_name": "Nationaal", "value": "7"},
        ]
    else:
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        assert {int(r["entry_id"]) for r in rows} == {wanted[0].pk}
        assert len(rows) == 3


def test_entry_without_values_gets_one_total_row(client, world):
    [entry] = world.add_entries(1)
    entry.values.all().delete()
    rows = csv_rows(download(client, "csv"))
    assert [(r["category"], r["value"]) for r in rows] == [("", "")]
    assert json_entries(download(client, "json"))[0]["values"] == []


def test_entry_with_only_categories_still_gets_a_total_row(client, world):
    [entry] = world.add_entries(1)
    entry.values.filter(category=None).delete()
    rows = csv_rows(download(client, "csv"))
    assert [(r["category"], r["value"]) for r in rows] == [
        ("", ""),
        ("local", "5"),
        ("national", "7"),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_injection_is_neutralised(client, world, fmt):
    dangerous = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    for index, text in enumerate(dangerous):
        world.add_entries(
            1,
            organisation=OrganisationFactory(slug=f"org-x{index}", name_en=text),
            narrative_nl="",
        )
    response = download(client, fmt)
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    names = {r["organisation_name"] for r in rows}
    assert names == {"'" + text for text in dangerous}
    for row in rows:
        for value in row.values():
            if isinstance(value, str) and value:
                assert value[0] not in "=+-@\t\r", row


def test_json_is_documented_nested_data(client, world):
    world.add_entries(2)
    data = json.loads(body(download(client, "json", year=2021)))
    assert data["language"] == "en"
    assert "narrative" in data["columns"]
    assert len(data["entries"]) == 2
    assert set(data["entries"][0]) == {*data["columns"], "values"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize(
    "params",
    [{"year": "abc"}, {"q": "a\x00b"}, {"subgoal": "x" * 100}, {"plan": "no slug"}],
)
def test_invalid_filters_give_400(client, world, fmt, params):
    world.add_entries(1)
    response = download(client, fmt, **params)
    assert response.status_code == 400
    assert "The filters are not valid" in response.content.decode()


def test_unknown_format_is_not_found(client):
    assert client.get(reverse("public:entries") + "download.pdf").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_unpublished_data_never_appears_in_downloads(client, world, fmt):
    world.add_entries(1)
    world.add_unpublished()
    for params in ({}, {"plan": "secret-plan"}, {"organisation": "secret-draft"}):
        content = body(download(client, fmt, **params))
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
            content = repr(list(sheet.iter_rows(values_only=True))).encode()
        assert SECRET.encode() not in content


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_download_has_a_fixed_number_of_queries(client, world, fmt):
    world.add_entries(1)
    with CaptureQueriesContext(connection) as one:
        body(download(client, fmt, year=2021))
    world.add_entries(9)
    with CaptureQueriesContext(connection) as ten:
        content = body(download(client, fmt, year=2021))
    assert len(ten) == len(one)
    if fmt == "csv":
        assert content.decode("utf-8-sig").count("\r\n") == 1 + 10 * 3


def test_downloads_only_read(client, world):
    assert client.post(reverse("public:entries-download", args=["csv"])).status_code == 405
