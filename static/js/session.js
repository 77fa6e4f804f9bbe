/*
 * Session expiry on signed-in users' pages (accounts/templatetags/session_tags.py).
 *
 * The server ends a session after SESSION_IDLE_SECONDS without a request and 12 hours after
 * logging in. This script:
 * - renews the session silently when the user has been typing or clicking since the last
 *   request, and otherwise, SESSION_WARNING_SECONDS before the end, shows an alert dialog with a
 *   "stay logged in" button that renews it (POST to the keep-alive URL);
 * - once the session has ended, says so and offers to log in again;
 * - keeps a copy of the text typed into the page's forms in sessionStorage, and puts it back
 *   when the same page is opened again with the same saved content (e.g. after logging in
 *   again), so text typed while the session ran out is never lost.
 * Its texts come translated in data attributes of <meta name="session-expiry">.
 */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="session-expiry"]');
  if (!meta || !window.fetch) {
    return;
  }
  var text = meta.dataset;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = csrfMeta ? csrfMeta.content : "";
  var warnBefore = parseInt(text.warnBefore, 10) * 1000;
  var deadline = Date.now() + parseInt(meta.content, 10) * 1000;
  var lastRenewal = Date.now();
  var lastActivity = 0;
  var timer = null;
  var dialog = null;
  var expired = false;

  // --- the dialog ----------------------------------------------------------------------------

  function button(label, className, onClick) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = className;
    node.textContent = label;
    node.addEventListener("click", onClick);
    return node;
  }

  function buildDialog() {
    dialog = document.createElement("dialog");
    dialog.className = "session-dialog";
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "session-dialog-title");
    dialog.setAttribute("aria-describedby", "session-dialog-text");
    dialog.style.maxWidth = "32rem";
    dialog.style.padding = "1.25rem 1.5rem";
    dialog.style.lineHeight = "1.5";

    var title = document.createElement("h2");
    title.id = "session-dialog-title";
    title.style.marginTop = "0";
    var body = document.createElement("p");
    body.id = "session-dialog-text";
    var actions = document.createElement("p");
    actions.className = "session-dialog-actions";
    actions.style.marginBottom = "0";
    dialog.appendChild(title);
    dialog.appendChild(body);
    dialog.appendChild(actions);
    // Escape while warned counts as "stay": the user is evidently there.
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      if (!expired) {
        renew();
      }
    });
    document.body.appendChild(dialog);
  }

  function showDialog(titleText, bodyText, action) {
    if (!dialog) {
      buildDialog();
    }
    dialog.querySelector("h2").textContent = titleText;
    dialog.querySelector("#session-dialog-text").textContent = bodyText;
    var actions = dialog.querySelector(".session-dialog-actions");
    actions.textContent = "";
    actions.appendChild(action);
    if (!dialog.open) {
      dialog.returnFocus = document.activeElement;
      dialog.showModal();
    }
    action.focus();
  }

  function closeDialog() {
    if (dialog && dialog.open) {
      dialog.close();
      if (dialog.returnFocus && dialog.returnFocus.focus) {
        dialog.returnFocus.focus();
      }
    }
  }

  function warn() {
    showDialog(
      text.warningTitle,
      text.warningText,
      button(text.stay, "session-stay default", function () {
        renew();
      })
    );
  }

  function expire() {
    expired = true;
    clearTimeout(timer);
    saveDrafts();
    showDialog(
      text.expiredTitle,
      text.expiredText,
      button(text.login, "session-login default", function () {
        saveDrafts();
        window.location.href = text.loginUrl;
      })
    );
  }

  // --- the clock -----------------------------------------------------------------------------

  function schedule() {
    clearTimeout(timer);
    if (expired) {
      return;
    }
    var now = Date.now();
    if (now >= deadline) {
      expire();
      return;
    }
    var warnAt = deadline - warnBefore;
    if (now >= warnAt) {
      if (lastActivity > lastRenewal) {
        renew();
        return;
      }
      if (!dialog || !dialog.open) {
        warn();
      }
      timer = setTimeout(schedule, Math.min(deadline - now, 1000));
      return;
    }
    timer = setTimeout(schedule, Math.min(warnAt - now, 60000));
  }

  function renew() {
    var started = Date.now();
    fetch(text.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken,
        "X-Requested-With": "XMLHttpRequest",
        Accept: "application/json",
      },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("session ended");
        }
        return response.json();
      })
      .then(function (data) {
        if (!data.authenticated || data.expires_in <= 0) {
          throw new Error("session ended");
        }
        deadline = started + data.expires_in * 1000;
        lastRenewal = started;
        closeDialog();
        schedule();
      })
      .catch(function () {
        expire();
      });
  }

  function noteActivity() {
    lastActivity = Date.now();
  }

  // --- drafts --------------------------------------------------------------------------------

  var draftKey = "session-draft:" + window.location.pathname;
  var draftForms = [];
  var initialValues = null;

  function isDraftField(field) {
    if (!field.name || field.disabled || field.name === "csrfmiddlewaretoken") {
      return false;
    }
    var type = (field.type || "").toLowerCase();
    return ["hidden", "password", "file", "submit", "button", "reset", "image"].indexOf(type) === -1;
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, isDraftField);
  }

  function valueOf(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked;
    }
    if (field.multiple && field.options) {
      return Array.prototype.filter
        .call(field.options, function (option) {
          return option.selected;
        })
        .map(function (option) {
          return option.value;
        });
    }
    return field.value;
  }

  function snapshot() {
    return draftForms.map(function (form) {
      return fieldsOf(form).map(function (field) {
        return [field.name, valueOf(field)];
      });
    });
  }

  function restore(values) {
    draftForms.forEach(function (form, formIndex) {
      var saved = values[formIndex] || [];
      fieldsOf(form).forEach(function (field, fieldIndex) {
        var entry = saved[fieldIndex];
        if (!entry || entry[0] !== field.name) {
          return;
        }
        var value = entry[1];
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = value;
        } else if (field.multiple && field.options) {
          Array.prototype.forEach.call(field.options, function (option) {
            option.selected = value.indexOf(option.value) !== -1;
          });
        } else {
          field.value = value;
        }
      });
    });
  }

  function saveDrafts() {
    if (!draftForms.length) {
      return;
    }
    try {
      var current = snapshot();
      if (JSON.stringify(current) === JSON.stringify(initialValues)) {
        window.sessionStorage.removeItem(draftKey);
      } else {
        window.sessionStorage.setItem(
          draftKey,
          JSON.stringify({ base: initialValues, values: current })
        );
      }
    } catch (error) {
      // Storage full or disabled: nothing more we can do.
    }
  }

  function showRestored(form) {
    var note = document.createElement("div");
    note.className = "session-restored messagelist";
    note.setAttribute("role", "status");
    var paragraph = document.createElement("p");
    paragraph.textContent = text.restored + " ";
    var discard = button(text.discard, "session-discard", function () {
      window.sessionStorage.removeItem(draftKey);
      window.location.reload();
    });
    paragraph.appendChild(discard);
    note.appendChild(paragraph);
    form.parentNode.insertBefore(note, form);
  }

  function startDrafts() {
    draftForms = Array.prototype.filter.call(
      document.querySelectorAll("form"),
      function (form) {
        return (
          (form.method || "").toLowerCase() === "post" &&
          form.querySelector("textarea") &&
          !form.querySelector('input[type="password"]')
        );
      }
    );
    if (!draftForms.length) {
      return;
    }
    initialValues = snapshot();
    var saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(draftKey) || "null");
    } catch (error) {
      saved = null;
    }
    // Put the copy back only over the very content it was typed on: if the server's content
    // changed since (the copy was saved, or someone else saved), the copy is stale.
    if (saved && JSON.stringify(saved.base) === JSON.stringify(initialValues)) {
      if (JSON.stringify(saved.values) !== JSON.stringify(initialValues)) {
        restore(saved.values);
        showRestored(draftForms[0]);
      }
    } else if (saved) {
      window.sessionStorage.removeItem(draftKey);
    }
    draftForms.forEach(function (form) {
      form.addEventListener("input", saveDrafts);
      form.addEventListener("change", saveDrafts);
      form.addEventListener("submit", saveDrafts);
    });
    // Rich-text editors write into their hidden textarea without input events.
    window.setInterval(saveDrafts, 3000);
    window.addEventListener("pagehide", saveDrafts);
  }

  // Registered now, from the <head>: runs before the rich-text editors read their textareas.
  function start() {
    startDrafts();
    ["keydown", "pointerdown", "input"].forEach(function (name) {
      document.addEventListener(name, noteActivity, true);
    });
    document.addEventListener("visibilitychange", schedule);
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
