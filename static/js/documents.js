// Bulk document job: poll the JSON status endpoint and show progress, the download link or the error.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-text");
  var err = document.getElementById("job-error");
  var done = document.getElementById("job-done");
  var link = document.getElementById("job-download");
  function show(s) {
    bar.max = s.total || 1;
    bar.value = s.progress;
    text.textContent = s.progress + " / " + s.total + " (" + s.percent + "%)";
    if (s.failed) { err.textContent = s.error; err.hidden = false; }
    if (s.done) { if (s.download_url) { link.href = s.download_url; } done.hidden = false; }
    return s.done || s.failed;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (!show(s)) { window.setTimeout(poll, 1000); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
