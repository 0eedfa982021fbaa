// Jinguo — our own small script; the pages work without it.
// 1. A form is sent once: the button is disabled while the request is under way.
// 2. Fields named in the error summary are marked for screen readers and focused.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var b = form.querySelector("button[type=submit]");
      if (b) { b.disabled = true; }
    });
  });
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.querySelectorAll("a[href^='#f-']").forEach(function (a) {
      var field = document.getElementById(a.getAttribute("href").slice(1));
      if (field) { field.setAttribute("aria-invalid", "true"); }
    });
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
});
