"""The rich-text widget: a plain textarea that the vendored Quill editor enhances when JS runs."""

from django import forms


class RichTextWidget(forms.Textarea):
    """A textarea marked for `static/workspace/richtext.js`.

    Without JavaScript the user types HTML (or plain text) into the textarea. With it, Quill edits
    the text and writes its HTML back into the textarea before the form is sent. Either way the
    server sanitises what arrives (`napportal.richtext`), so the editor is only a convenience.
    """

    def __init__(self, attrs=None):
        super().__init__({"rows": 8, "data-richtext": "1", **(attrs or {})})

    class Media:
        css = {"all": ["vendor/quill/quill.snow.css", "workspace/workspace.css"]}
        js = ["vendor/quill/quill.js", "workspace/richtext.js"]
