"""A large report is laid out in parts and joined (reports.chunked), so memory stays bounded.
The joined PDF must be the single document: the same text on every page (page x of y and the
contents' page numbers included), the same outline, tags, links and metadata."""

import logging
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest

from indicators.models import Plan
from reports import chunked
from reports.context import build_report
from reports.render import render_pdf

pytestmark = pytest.mark.django_db


class Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def run(*command) -> str:
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def pages_text(path: Path) -> list[str]:
    return run("pdftotext", str(path), "-").split("\f")[:-1]


def outline(path: Path) -> list[str]:
    xml = run("pdftohtml", "-xml", "-i", "-stdout", "-q", str(path))
    return re.findall(r"<item page=\"\d+\">.*?</item>", xml)


def structure(path: Path) -> str:
    """The tag tree without object numbers, which differ between the two files."""
    tree = run("pdfinfo", "-struct", str(path))
    return re.sub(r"Object \d+ \d+|(p\d+-)?\d+-\d+-\d+", "#", tree)


def links(path: Path) -> list[tuple[int, str, int]]:
    """Every link to a named destination: (page, name, page the name points at)."""
    with pikepdf.open(path) as pdf:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}
        names = list(pdf.Root.Names.Dests.Names)
        dests = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        found = []
        for number, page in enumerate(pdf.pages):
            for annotation in page.obj.get("/Annots", []):
                if "/Dest" in annotation:
                    name = str(annotation.Dest)
                    found.append((number, name, index[dests[name][0].objgen]))
        return found


@pytest.mark.parametrize("layout", ["organisation", "goal"])
def test_a_report_laid_out_in_parts_is_the_single_document(demo, tmp_path, layout):
    plan = Plan.objects.get(slug="nl-nap-iv")
    report = build_report(plan=plan, year=2021, layout=layout, language="nl")
    parts = chunked.split(report, chunk_chars=1)  # every organisation or goal a part
    assert len(parts) == (4 if layout == "organisation" else 5)
    single, joined = tmp_path / "single.pdf", tmp_path / "joined.pdf"
    single.write_bytes(render_pdf(report, chunk_chars=10**9))
    handler = Records()
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        joined.write_bytes(render_pdf(report, chunk_chars=1))
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    assert [record.getMessage() for record in handler.records] == []

    text = pages_text(joined)
    assert text == pages_text(single)
    assert f"Pagina {len(text)} van {len(text)}" in text[-1]
    assert re.search(r"^\d+$", text[1], re.M)  # the contents' page numbers
    assert outline(joined) == outline(single) and len(outline(joined)) > 20
    assert structure(joined) == structure(single)
    toc_links = links(joined)
    assert toc_links == links(single) and len(toc_links) >= len(parts)
    info = run("pdfinfo", str(joined))
    assert f"Title:           {report.title}" in info and "Tagged:          yes" in info
    assert 'pdfuaid:part="1"' in run("pdfinfo", "-meta", str(joined))
    with pikepdf.open(joined) as pdf:
        assert str(pdf.Root.Lang) == "nl"
        tree = pdf.Root.StructTreeRoot
        keys = [int(k) for k in list(tree.ParentTree.Nums)[::2]]
        assert keys == list(range(len(keys))) and int(tree.ParentTreeNextKey) == len(keys)
        parents = [int(page.obj.StructParents) for page in pdf.pages]
        assert len(set(parents)) == len(parents) and set(parents) <= set(keys)
        # Every element of every part hangs under the one Document element.
        document = tree.K[0]
        assert all(kid.P.objgen == document.objgen for kid in document.K)
    # Table header IDs stay unique: each part's are prefixed.
    tree = run("pdfinfo", "-struct", str(joined))
    ids = re.findall(r"<((?:p\d+-)?\d+-\d+-\d+)>", tree)
    assert ids and len(ids) == len(set(ids))
    assert set(re.findall(r"\(((?:p\d+-)?\d+-\d+-\d+)\)", tree)) <= set(ids)


def test_parts_end_between_organisations_and_the_first_stays_with_the_front_matter(demo):
    plan = Plan.objects.get(slug="nl-nap-iv")
    report = build_report(plan=plan, year=2021, layout="organisation", language="nl")
    assert len(chunked.split(report)) == 1  # the demo report is one part
    parts = chunked.split(report, chunk_chars=1)
    assert [part.front for part in parts] == [True, False, False, False]
    assert [[o.anchor for o in part.groups["organisations"]] for part in parts] == [
        [organisation.anchor] for organisation in report.organisations
    ]
    # A part takes organisations until the next would make it too big.
    sizes = [chunked.text_size(organisation) for organisation in report.organisations]
    parts = chunked.split(report, chunk_chars=parts[0].size + sizes[1] + sizes[2])
    assert [len(part.groups["organisations"]) for part in parts] == [3, 1]
