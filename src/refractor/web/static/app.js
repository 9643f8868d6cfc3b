// Refractor pages: a little plain JavaScript, loaded from this server only. Pages work
// without it; it only reports progress on long forms and keeps keyboard focus sensible.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var status = document.getElementById(form.dataset.busy);
      if (status) { status.textContent = "Working… this can take a few seconds."; }
      form.setAttribute("aria-busy", "true");
    });
  });
  // after a page loads from a form, move focus to the results for keyboard and reader users
  var results = document.getElementById("results");
  if (results) { results.focus(); }
});
