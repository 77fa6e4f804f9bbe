/*
 * Rich-text editing for the workspace's narrative fields.
 *
 * Every <textarea data-richtext> gets a Quill editor (static/vendor/quill). The textarea stays in
 * the form, hidden, and always holds the editor's HTML, so the form posts as it would without
 * JavaScript; without JavaScript the textarea is simply used as is. The server sanitises whatever
 * arrives (napportal/richtext.py): the editor only offers what the sanitiser keeps.
 */
(function () {
  "use strict";

  if (typeof window.Quill === "undefined") {
    return;
  }

  var TOOLBAR = [
    [{ header: 3 }, { header: 4 }],
    ["bold", "italic", "underline"],
    [{ script: "sub" }, { script: "super" }],
    [{ list: "ordered" }, { list: "bullet" }],
    ["blockquote", "link"],
    ["clean"],
  ];
  var FORMATS = ["header", "bold", "italic", "underline", "script", "list", "blockquote", "link"];

  function editorHtml(quill) {
    if (quill.getText().trim() === "") {
      return "";
    }
    // Quill 2 writes every space of its semantic HTML as &nbsp;; plain spaces let text wrap.
    return quill.getSemanticHTML().replace(/&nbsp;/g, " ");
  }

  function labelFor(textarea) {
    if (!textarea.id) {
      return null;
    }
    return document.querySelector('label[for="' + textarea.id + '"]');
  }

  function enhance(textarea) {
    if (textarea.dataset.richtextReady || textarea.name.indexOf("__prefix__") !== -1) {
      return;
    }
    textarea.dataset.richtextReady = "1";

    var holder = document.createElement("div");
    holder.className = "ws-richtext";
    var area = document.createElement("div");
    holder.appendChild(area);
    textarea.parentNode.insertBefore(holder, textarea.nextSibling);

    var quill = new window.Quill(area, {
      theme: "snow",
      formats: FORMATS,
      modules: { toolbar: TOOLBAR },
    });
    if (textarea.value.trim() !== "") {
      quill.setContents(quill.clipboard.convert({ html: textarea.value }), "silent");
    }

    var root = quill.root;
    root.setAttribute("role", "textbox");
    root.setAttribute("aria-multiline", "true");
    if (textarea.lang) {
      root.setAttribute("lang", textarea.lang);
    }
    var label = labelFor(textarea);
    if (label) {
      if (!label.id) {
        label.id = textarea.id + "_label";
      }
      root.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () {
        quill.focus();
      });
    }
    if (textarea.getAttribute("aria-describedby")) {
      root.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
    }
    if (textarea.getAttribute("aria-invalid")) {
      root.setAttribute("aria-invalid", textarea.getAttribute("aria-invalid"));
    }

    textarea.classList.add("ws-richtext-source");
    textarea.setAttribute("aria-hidden", "true");
    textarea.tabIndex = -1;

    function sync() {
      textarea.value = editorHtml(quill);
    }
    quill.on("text-change", sync);
    if (textarea.form) {
      textarea.form.addEventListener("submit", sync);
    }
  }

  function enhanceWithin(node) {
    var areas = node.querySelectorAll("textarea[data-richtext]");
    for (var i = 0; i < areas.length; i++) {
      enhance(areas[i]);
    }
  }

  function start() {
    enhanceWithin(document);
    // Django's inline formsets announce each added form ("Add another example").
    document.addEventListener("formset:added", function (event) {
      enhanceWithin(event.target);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
