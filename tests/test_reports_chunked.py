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
from reports.render import render_html, render_pdf, url_fetcher

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
def test_a_report_laid_out_in_parts_is_the_single_document(demo, tmp_path, monkeypatch, layout):
    monkeypatch.setattr(chunked, "FRONT_WRITE_PAGES", 2)  # the front part in several files
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
        # Every link (the contents' links are in several of the front part's files) has a key
        # of its own, whose element is the Link that holds it.
        nums = list(tree.ParentTree.Nums)
        parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        annotations = [a for page in pdf.pages for a in page.obj.get("/Annots", [])]
        annotation_keys = [int(annotation.StructParent) for annotation in annotations]
        assert len(annotations) == len(toc_links) and len(set(annotation_keys)) == len(annotations)
        assert sorted(annotation_keys + parents) == keys
        for annotation, key in zip(annotations, annotation_keys, strict=True):
            element = parent_tree[key]
            assert element.S == "/Link"
            objects = [
                kid.Obj.objgen
                for kid in element.K
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"
            ]
            assert objects == [annotation.objgen]
        assert pdf.check_pdf_syntax() == []  # qpdf finds nothing wrong with the file
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


def marked_content(page) -> list[int]:
    """The MCIDs a page's content stream marks, in order."""
    found = []
    for operands, operator in pikepdf.parse_content_stream(page):
        properties = operands[1] if str(operator) == "BDC" else None
        if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
            found.append(int(properties.MCID))
    return found


def check_marked_content(path: Path) -> int:
    """Every piece of marked content belongs to one structure element on its page, and that
    element lists it among its kids: the parent tree and the tag tree agree. Returns how many
    pieces of text belong directly to a paragraph, heading or list body."""
    direct = 0
    with pikepdf.open(path) as pdf:
        tree = pdf.Root.StructTreeRoot
        nums = list(tree.ParentTree.Nums)
        parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for page in pdf.pages:
            mapping = parent_tree[int(page.obj.StructParents)]
            mcids = marked_content(page)
            assert sorted(mcids) == list(range(len(mapping)))
            for mcid in mcids:
                element = mapping[mcid]
                assert element.Type == "/StructElem"
                kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                mine = [
                    kid
                    for kid in kids
                    if (isinstance(kid, int) and kid == mcid and element.Pg.objgen == page.objgen)
                    or (
                        isinstance(kid, pikepdf.Dictionary)
                        and kid.get("/Type") == "/MCR"
                        and int(kid.MCID) == mcid
                        and kid.Pg.objgen == page.objgen
                    )
                ]
                assert len(mine) == 1, (mcid, element.S)
                direct += element.S in ("/P", "/H4", "/H5", "/LBody")
    return direct


def struct_elements(path: Path):
    with pikepdf.open(path) as pdf:
        stack = list(pdf.Root.StructTreeRoot.K)
        while stack:
            element = stack.pop()
            if isinstance(element, pikepdf.Dictionary) and element.get("/Type") == "/StructElem":
                yield element.S, element.K
                if isinstance(element.K, pikepdf.Array):
                    stack.extend(element.K)


def test_the_lines_of_text_belong_to_their_paragraphs_in_the_tag_tree(demo, tmp_path):
    """WeasyPrint writes a `Span` element for every piece of text on a line; they are folded
    into their parents (`chunked.fold_lines`), which then hold the marked content."""
    plan = Plan.objects.get(slug="nl-nap-iv")
    report = build_report(plan=plan, year=2021, layout="organisation", language="nl")
    html = render_html(report)
    for name, chunk_chars in (("single.pdf", 10**9), ("joined.pdf", 1)):
        path = tmp_path / name
        path.write_bytes(render_pdf(report, chunk_chars=chunk_chars))
        kinds = [str(kind) for kind, _kids in struct_elements(path)]
        # No element per piece of text is left (1 540 in WeasyPrint's tree): a Span that
        # remains is an HTML span, with an element per line it runs over (316).
        assert kinds.count("/Span") <= 2 * html.count("<span"), name
        assert kinds.count("/P") > 100, name
        assert check_marked_content(path) > 500, name
        assert len(outline(path)) > 20 and links(path), name
        assert "Tagged:          yes" in run("pdfinfo", str(path))


def test_folding_moves_the_marked_content_and_the_parent_tree_together(demo, tmp_path):
    plan = Plan.objects.get(slug="nl-nap-iv")
    report = build_report(plan=plan, year=2021, layout="organisation", language="nl")
    from weasyprint import HTML

    html = HTML(string=render_html(report), base_url="file:///", url_fetcher=url_fetcher())
    raw = tmp_path / "raw.pdf"
    raw.write_bytes(html.write_pdf(**chunked.PDF_OPTIONS))
    check_marked_content(raw)  # WeasyPrint's own tree is consistent to begin with
    before = [str(kind) for kind, _kids in struct_elements(raw)]
    with pikepdf.open(raw) as pdf:
        folded = chunked.fold_lines(pdf)
        pdf.save(tmp_path / "folded.pdf")
    after = [str(kind) for kind, _kids in struct_elements(tmp_path / "folded.pdf")]
    assert folded > 1000 and before.count("/Span") - after.count("/Span") == folded
    assert [k for k in before if k != "/Span"] == [k for k in after if k != "/Span"]
    check_marked_content(tmp_path / "folded.pdf")
    assert pages_text(tmp_path / "folded.pdf") == pages_text(raw)
