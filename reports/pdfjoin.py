"""Joining the parts of a large report into one tagged PDF, one part in memory at a time.

qpdf (pikepdf) holds every object of the file it writes, about 1.5 kB each: the 100x report's
130 000 objects cost it some 330 MB. `StreamingJoin` writes each part's objects to the output
as the part is read, renumbered, and keeps only what the joined file's shared objects need:
page numbers, the parent tree's keys, the Document element's kids and the named destinations
(as bytes). The shared objects (catalogue, page tree, structure tree root, Document element,
parent tree, names, outline) are written once every part is in; the front part's catalogue
entries (language, XMP metadata with the PDF/UA identification, viewer preferences, mark info)
and document information are kept.

Non-stream objects go into compressed object streams with a cross-reference stream (PDF 1.5),
as qpdf's `ObjectStreamMode.generate` did; stream data is copied as it is encoded. The file
identifier is a digest of the written bytes, so the same parts give the same file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import zlib
from decimal import Decimal

# Non-stream objects per object stream: qpdf's default.
OBJECTS_PER_STREAM = 100


def _real(value) -> bytes:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return (text or "0").encode()


class StreamingJoin:
    """Add the parts' PDFs in order with `add`, then `finish` returns the joined file."""

    def __init__(self):
        self.out = io.BytesIO()
        self.digest = hashlib.md5(usedforsecurity=False)
        # Cross-reference entries by object number: (1, offset) or (2, object stream, index).
        self.xref: list[tuple[int, int, int]] = [(0, 0, 65535)]
        self.pending: list[tuple[int, bytes]] = []  # objects for the next object stream
        self.catalog = self._reserve()
        self.pages_root = self._reserve()
        self.structure_root = self._reserve()
        self.document = self._reserve()
        self.page_numbers: list[int] = []  # object numbers of the joined file's pages
        self.parent_tree: list[tuple[int, int]] = []  # key -> object number
        self.document_kids: list[int] = []
        self.names: dict[str, bytes] = {}  # named destination -> its serialised array
        self.front: dict[str, bytes] | None = None  # the front part's catalogue entries...
        self.front_structure: dict[str, bytes] = {}
        self.front_document: dict[str, bytes] = {}
        self.info: int | None = None
        self.version = "1.7"
        self._header_written = False

    # -- writing ------------------------------------------------------------------------------

    def _reserve(self) -> int:
        self.xref.append((0, 0, 0))
        return len(self.xref) - 1

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)

    def _header(self) -> None:
        if not self._header_written:
            self._write(f"%PDF-{self.version}\n%\xe2\xe3\xcf\xd3\n".encode("latin-1"))
            self._header_written = True

    def _object(self, number: int, body: bytes) -> None:
        """A non-stream object, queued for an object stream."""
        self.pending.append((number, body))
        if len(self.pending) >= OBJECTS_PER_STREAM:
            self._flush_objects()

    def _stream(self, number: int, dictionary: bytes, data: bytes) -> None:
        self._header()
        self.xref[number] = (1, self.out.tell(), 0)
        self._write(b"%d 0 obj\n%s\nstream\n" % (number, dictionary))
        self._write(data)
        self._write(b"\nendstream\nendobj\n")

    def _flush_objects(self) -> None:
        if not self.pending:
            return
        number = self._reserve()
        offsets, body, position = [], [], 0
        for index, (member, data) in enumerate(self.pending):
            self.xref[member] = (2, number, index)
            offsets.append(b"%d %d" % (member, position))
            body.append(data)
            position += len(data) + 1
        head = b" ".join(offsets) + b"\n"
        data = zlib.compress(head + b"\n".join(body) + b"\n")
        self._stream(
            number,
            b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
            % (len(self.pending), len(head), len(data)),
            data,
        )
        self.pending = []

    # -- one part -----------------------------------------------------------------------------

    def add(self, pdf) -> None:
        """Copy one part (an open `pikepdf.Pdf`) to the output: its pages, structure elements
        and named destinations. Its page and annotation keys in the parent tree are changed in
        place; the part can be closed afterwards."""
        _PartWriter(self, pdf).write()

    # -- the shared objects -------------------------------------------------------------------

    def finish(self, bookmarks) -> bytes:
        """The joined file. `bookmarks`: WeasyPrint's bookmark tree for the joined pages
        (`Document.make_bookmark_tree`), page indexes counted over all parts."""
        import pikepdf

        if self.front is None:
            raise ValueError("No part was added.")
        kids = b" ".join(b"%d 0 R" % number for number in self.page_numbers)
        self._object(
            self.pages_root,
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(self.page_numbers), kids),
        )
        parent_tree = self._reserve()
        nums = b" ".join(b"%d %d 0 R" % pair for pair in self.parent_tree)
        self._object(parent_tree, b"<< /Nums [%s] >>" % nums)
        structure = dict(self.front_structure)
        structure.update(
            {
                "/Type": b"/StructTreeRoot",
                "/K": b"[%d 0 R]" % self.document,
                "/ParentTree": b"%d 0 R" % parent_tree,
                "/ParentTreeNextKey": b"%d" % len(self.parent_tree),
            }
        )
        self._object(self.structure_root, _dictionary(structure))
        document = dict(self.front_document)
        document.update(
            {
                "/P": b"%d 0 R" % self.structure_root,
                "/K": b"[%s]" % b" ".join(b"%d 0 R" % kid for kid in self.document_kids),
            }
        )
        self._object(self.document, _dictionary(document))
        catalog = dict(self.front)
        catalog.update(
            {
                "/Type": b"/Catalog",
                "/Pages": b"%d 0 R" % self.pages_root,
                "/StructTreeRoot": b"%d 0 R" % self.structure_root,
            }
        )
        if self.names:
            dests = b" ".join(
                pikepdf.String(name).unparse() + b" " + self.names[name]
                for name in sorted(self.names)
            )
            catalog["/Names"] = b"<< /Dests << /Names [%s] >> >>" % dests
        outline = self._outline(bookmarks)
        if outline is not None:
            catalog["/Outlines"] = b"%d 0 R" % outline
        self._object(self.catalog, _dictionary(catalog))
        self._flush_objects()
        return self._trailer()

    def _outline(self, bookmarks) -> int | None:
        """The outline, as WeasyPrint writes it (`weasyprint.pdf.anchors.add_outlines`)."""
        import pikepdf

        if not bookmarks:
            return None
        root = self._reserve()

        def items(subtrees, parent: int) -> tuple[list[int], int]:
            numbers = [self._reserve() for _item in subtrees]
            count = len(subtrees)
            for index, (title, (page, x, y), children, state) in enumerate(subtrees):
                kids, kids_count = items(children, numbers[index])
                entries = {
                    "/Title": pikepdf.String(title).unparse(),
                    "/Dest": b"[%d 0 R /XYZ %s %s 0]"
                    % (self.page_numbers[page], _real(float(x)), _real(float(y))),
                    "/Count": b"%d" % (-kids_count if state == "closed" else kids_count),
                    "/Parent": b"%d 0 R" % parent,
                }
                if state != "closed":
                    count += kids_count
                if index:
                    entries["/Prev"] = b"%d 0 R" % numbers[index - 1]
                if index + 1 < len(numbers):
                    entries["/Next"] = b"%d 0 R" % numbers[index + 1]
                if kids:
                    entries["/First"] = b"%d 0 R" % kids[0]
                    entries["/Last"] = b"%d 0 R" % kids[-1]
                self._object(numbers[index], _dictionary(entries))
            return numbers, count

        top, count = items(bookmarks, root)
        self._object(
            root,
            b"<< /Count %d /First %d 0 R /Last %d 0 R >>" % (count, top[0], top[-1]),
        )
        return root

    def _trailer(self) -> bytes:
        number = self._reserve()
        identifier = self.digest.hexdigest().encode()
        start = self.out.tell()
        self.xref[number] = (1, start, 0)
        rows = bytearray()
        for kind, second, third in self.xref:
            rows += kind.to_bytes(1, "big") + second.to_bytes(4, "big") + third.to_bytes(2, "big")
        data = zlib.compress(bytes(rows))
        info = b" /Info %d 0 R" % self.info if self.info else b""
        self._write(
            b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R%s "
            b"/ID [<%s> <%s>] /Filter /FlateDecode /Length %d >>\nstream\n"
            % (number, len(self.xref), self.catalog, info, identifier, identifier, len(data))
        )
        self._write(data)
        self._write(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start)
        return self.out.getvalue()


@functools.cache
def _name(key: str) -> bytes:
    """A dictionary key as PDF writes it (a few dozen keys, each written thousands of times)."""
    import pikepdf

    return pikepdf.Name(key).unparse()


def _dictionary(entries: dict[str, bytes]) -> bytes:
    return b"<< " + b" ".join(_name(key) + b" " + value for key, value in entries.items()) + b" >>"


class _PartWriter:
    """Copies one part: every object its pages, structure elements and destinations reach,
    renumbered; the part's own catalogue, page tree, structure root, Document element and
    outline are replaced by the joined file's."""

    def __init__(self, join: StreamingJoin, pdf):
        self.join = join
        self.pdf = pdf
        self.numbers: dict[tuple[int, int], int] = {}
        self.queue: list = []

    def write(self) -> None:
        import pikepdf

        join, pdf = self.join, self.pdf
        root = pdf.Root
        structure = root.StructTreeRoot
        document = structure.K[0] if isinstance(structure.K, pikepdf.Array) else structure.K
        # The part's shared objects map to the joined file's.
        self.numbers[root.objgen] = join.catalog
        self.numbers[root.Pages.objgen] = join.pages_root
        self.numbers[structure.objgen] = join.structure_root
        self.numbers[document.objgen] = join.document

        if join.front is None:  # the front part: its catalogue, metadata and information
            join.version = str(pdf.pdf_version)
            skip = {"/Type", "/Pages", "/StructTreeRoot", "/Names", "/Outlines"}
            join.front = {k: self.value(v) for k, v in root.items() if k not in skip}
            skip = {"/Type", "/K", "/ParentTree", "/ParentTreeNextKey"}
            join.front_structure = {k: self.value(v) for k, v in structure.items() if k not in skip}
            skip = {"/K", "/P"}
            join.front_document = {k: self.value(v) for k, v in document.items() if k not in skip}
            if "/Info" in pdf.trailer:
                join.info = self.reference(pdf.trailer.Info)

        # Parent tree keys: pages first, then annotations, numbered on from the joined file's.
        entries = list(structure.ParentTree.Nums)
        mapping = {int(entries[i]): entries[i + 1] for i in range(0, len(entries), 2)}
        keys = {}
        for index, page in enumerate(pdf.pages):
            old = int(page.obj.StructParents)
            keys[old] = len(join.parent_tree) + index
        next_key = len(join.parent_tree) + len(pdf.pages)
        for old in sorted(k for k in mapping if k not in keys):
            keys[old] = next_key
            next_key += 1
        for page in pdf.pages:
            page.obj.StructParents = keys[int(page.obj.StructParents)]
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = keys[int(annotation.StructParent)]
        for page in pdf.pages:
            join.page_numbers.append(self.reference(page.obj))
        pairs = []
        for old, value in mapping.items():
            if isinstance(value, pikepdf.Object) and not value.is_indirect:
                number = join._reserve()  # the page's array of elements, indirect here
                join._object(number, self.value(value))
            else:
                number = self.reference(value)
            pairs.append((keys[old], number))
        join.parent_tree.extend(sorted(pairs))
        kids = document.K if isinstance(document.K, pikepdf.Array) else [document.K]
        join.document_kids.extend(self.reference(kid) for kid in kids)
        if "/Names" in root and "/Dests" in root.Names:
            names = list(root.Names.Dests.Names)
            for i in range(0, len(names), 2):
                name = str(names[i])
                if name not in join.names:  # the first of a name, as WeasyPrint does
                    join.names[name] = self.value(names[i + 1])
        self.drain()

    def reference(self, obj) -> int:
        """The joined file's number for an indirect object of the part, queued to be written
        the first time."""
        objgen = obj.objgen
        number = self.numbers.get(objgen)
        if number is None:
            number = self.numbers[objgen] = self.join._reserve()
            self.queue.append((number, obj))
        return number

    def drain(self) -> None:
        import pikepdf

        while self.queue:
            number, obj = self.queue.pop()
            if isinstance(obj, pikepdf.Stream):
                entries = {key: self.value(value) for key, value in obj.items() if key != "/Length"}
                data = obj.read_raw_bytes()
                entries["/Length"] = b"%d" % len(data)
                self.join._stream(number, _dictionary(entries), data)
            else:
                self.join._object(number, self.value(obj, top=True))

    def value(self, obj, top: bool = False) -> bytes:
        """An object's serialisation, indirect objects it holds as references."""
        import pikepdf

        if obj is None:
            return b"null"
        if isinstance(obj, bool):
            return b"true" if obj else b"false"
        if isinstance(obj, int):
            return b"%d" % obj
        if isinstance(obj, Decimal | float):
            return _real(obj)
        if not top and obj.is_indirect:
            return b"%d 0 R" % self.reference(obj)
        if isinstance(obj, pikepdf.Array):
            return b"[" + b" ".join(self.value(item) for item in obj) + b"]"
        if isinstance(obj, pikepdf.Dictionary):
            return _dictionary({key: self.value(value) for key, value in obj.items()})
        return obj.unparse()  # names, strings
