// Jinguo — our own small script; the pages work without it.
// 1. A form is sent once: the button is disabled while the request is under way, and enabled
//    again when the page comes back (a failed connection, the back button).
// 2. Fields named in the error summary are marked for screen readers and focused.
// 3. Forms marked data-draft keep what was entered on this device until it is saved: a lost
//    connection loses nothing, and the resubmitted form carries the same request key, so the
//    server records it once. Drafts are dropped once saved, at logout, and after a day.
"use strict";
(function () {
  var DAY = 24 * 60 * 60 * 1000;
  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function saveDraft(form) {
    var s = store();
    if (!s) { return; }
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf" || el.type === "submit") { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { fields[el.name + "=" + el.value] = true; }
      } else {
        fields[el.name] = el.value;
      }
    });
    s.setItem("draft:" + form.dataset.draft, JSON.stringify({ at: Date.now(), fields: fields }));
  }
  function restoreDraft(form) {
    var s = store();
    if (!s) { return; }
    var raw = s.getItem("draft:" + form.dataset.draft);
    if (!raw) { return; }
    var d;
    try { d = JSON.parse(raw); } catch (e) { s.removeItem("draft:" + form.dataset.draft); return; }
    if (!d || Date.now() - d.at > DAY) { s.removeItem("draft:" + form.dataset.draft); return; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf" || el.type === "submit") { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = !!d.fields[el.name + "=" + el.value];
      } else if (Object.prototype.hasOwnProperty.call(d.fields, el.name)) {
        el.value = d.fields[el.name];
      }
    });
    form.setAttribute("data-restored", "1");
  }
  function clearDrafts(prefix) {
    var s = store();
    if (!s) { return; }
    var keys = [];
    for (var i = 0; i < s.length; i++) { keys.push(s.key(i)); }
    keys.forEach(function (k) {
      if (k && k.indexOf("draft:" + prefix) === 0 && !document.querySelector("form[data-draft='" + k.slice(6) + "']")) {
        s.removeItem(k);
      }
    });
  }
  function enableButtons() {
    document.querySelectorAll("form button[type=submit]").forEach(function (b) { b.disabled = false; });
  }
  window.addEventListener("pageshow", enableButtons);
  document.addEventListener("DOMContentLoaded", function () {
    var saved = document.querySelector("[data-clear-drafts]");
    if (saved) { clearDrafts(saved.getAttribute("data-clear-drafts")); }
    var refused = document.getElementById("form-errors");
    document.querySelectorAll("form").forEach(function (form) {
      if (form.dataset.draft) {
        // A form the server sent back with errors already holds what was entered.
        if (!refused) { restoreDraft(form); }
        saveDraft(form);
        form.addEventListener("input", function () { saveDraft(form); });
        form.addEventListener("change", function () { saveDraft(form); });
      }
      form.addEventListener("submit", function (e) {
        if (form.action && /\/logout$/.test(form.action)) { clearDrafts(""); }
        // The button pressed is disabled once the form has been read, so that its own name and
        // value (approve or refuse, say) are sent with it.
        var b = e.submitter || form.querySelector("button[type=submit]");
        if (b) {
          window.setTimeout(function () { b.disabled = true; }, 0);
          window.setTimeout(function () { b.disabled = false; }, 15000);
        }
      });
    });
    if (refused) {
      refused.querySelectorAll("a[href^='#f-']").forEach(function (a) {
        var field = document.getElementById(a.getAttribute("href").slice(1));
        if (field) { field.setAttribute("aria-invalid", "true"); }
      });
      refused.setAttribute("tabindex", "-1");
      refused.focus();
    }
  });
})();
