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

// job pages: refresh the progress bar from the page's JSON twin; reload when the job ends
document.addEventListener("DOMContentLoaded", function () {
  var job = document.getElementById("job");
  if (!job || ["queued", "running"].indexOf(job.dataset.jobStatus) < 0) { return; }
  var bar = document.getElementById("job-progress");
  var timer = window.setInterval(function () {
    fetch(job.dataset.jobUrl + "?format=json", { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (doc) {
        var st = doc.job.status;
        if (bar && doc.job.total) { bar.max = doc.job.total; bar.value = doc.job.done; bar.textContent = doc.job.done + " of " + doc.job.total; }
        if (st !== "queued" && st !== "running") { window.clearInterval(timer); window.location.reload(); }
      })
      .catch(function () { window.clearInterval(timer); });
  }, 1000);
});

// playground: show only the chosen model's agents and perturbations (the form works without this)
document.addEventListener("DOMContentLoaded", function () {
  var model = document.getElementById("pg-model");
  var agent = document.getElementById("pg-agent");
  if (!model || !agent) { return; }
  function sync() {
    document.querySelectorAll("[data-model]").forEach(function (box) {
      var on = box.dataset.model === model.value;
      box.hidden = !on;
      box.querySelectorAll("input").forEach(function (i) { i.disabled = !on; });
    });
    var chosen = agent.selectedOptions[0];
    agent.querySelectorAll("optgroup").forEach(function (g) { g.disabled = g.label !== model.value; g.hidden = g.disabled; });
    if (!chosen || chosen.parentElement.disabled) {
      var first = agent.querySelector("optgroup:not([disabled]) option");
      if (first) { first.selected = true; }
    }
  }
  model.addEventListener("change", sync);
  sync();
});
