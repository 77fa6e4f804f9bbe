"""The streaming join of a report's parts (reports.pdfjoin): one part in memory at a time, and
a file that qpdf and poppler read as the parts put together."""

import io
import subprocess
from types import SimpleNamespace

import pikepdf
import pytest
from weasyprint import HTML

from reports.chunked import PDF_OPTIONS, PartJoin
from reports.pdfjoin import StreamingJoin


def part(title: str, anchor: str, link: str | None = None) -> tuple[bytes, list]:
    link_html = f'<p><a href="nap-anchor:{link}">to {link}</a></p>' if link else ""
    html = (
        f'<html lang="en"><head><title>{title}</title></head><body>'
        f'<h1 id="{anchor}">{title}</h1><p>Text of {title}.</p>{link_html}'
        f'<table><tr><th id="h">Head</th></tr><tr><td headers="h">Cell</td></tr></table>'
        "</body></html>"
    )
    document = HTML(string=html).render(**PDF_OPTIONS)
    pages = [SimpleNamespace(height=p.height, bookmarks=p.bookmarks) for p in document.pages]
    return document.write_pdf(**PDF_OPTIONS), pages


def joined(parts) -> bytes:
    join, outline_pages = PartJoin(), []
    for data, pages in parts:
        join.add(data)
        outline_pages += pages
    return join.finish(outline_pages)


def text(data: bytes) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return out.split("\f")[:-1]


def test_two_parts_make_one_valid_tagged_file_with_links_between_them():
    parts = [part("First part", "first", link="second"), part("Second part", "second")]
    data = joined(parts)
    assert [page.split("\n")[0] for page in text(data)] == ["First part", "Second part"]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert len(pdf.pages) == 2
        assert str(pdf.Root.Lang) == "en" and pdf.docinfo.Title == "First part"
        # One Document element holds both parts' elements.
        tree = pdf.Root.StructTreeRoot
        document = tree.K[0]
        kinds = [str(kid.S) for kid in document.K]
        assert kinds.count("/H1") == 2 and kinds.count("/Table") == 2
        assert all(kid.P.objgen == document.objgen for kid in document.K)
        # The link in the first part points at the second part's heading.
        names = list(pdf.Root.Names.Dests.Names)
        dests = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        assert dests["second"][0].objgen == pdf.pages[1].objgen
        (annotation,) = pdf.pages[0].obj.Annots
        assert str(annotation.Dest) == "second" and "/A" not in annotation
        # Keys numbered on part after part (its pages, then its links): each page and link
        # has an entry of its own.
        nums = list(tree.ParentTree.Nums)
        entries = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert sorted(entries) == [0, 1, 2] and int(tree.ParentTreeNextKey) == 3
        assert [int(p.obj.StructParents) for p in pdf.pages] == [0, 2]
        assert int(annotation.StructParent) == 1 and entries[1].S == "/Link"
        # Table header IDs stay unique across the parts.
        ids, stack = [], list(document.K)
        while stack:
            element = stack.pop()
            if isinstance(element, pikepdf.Dictionary) and "/S" in element:
                if element.S == "/TH":
                    ids.append(str(element.ID))
                if isinstance(element.get("/K"), pikepdf.Array):
                    stack.extend(element.K)
        assert len(ids) == 2 and len(set(ids)) == 2
        with pdf.open_outline() as outline:
            titles = [(item.title, item.destination[0].objgen) for item in outline.root]
        assert titles == [
            ("First part", pdf.pages[0].objgen),
            ("Second part", pdf.pages[1].objgen),
        ]


def test_the_same_parts_give_the_same_bytes():
    parts = [part("First part", "first"), part("Second part", "second")]
    assert joined(parts) == joined(parts)


def test_a_join_without_parts_is_refused():
    with pytest.raises(ValueError):
        StreamingJoin().finish([])
