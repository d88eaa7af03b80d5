// Review sheet keyboard shortcuts: j / → next indicator, k / ← previous, a accept, n / p next / previous department.
// Keys are ignored while typing in a field; every shortcut is also a visible link or button.
(function () {
  "use strict";
  function follow(key) {
    var link = document.querySelector('a[data-key="' + key + '"]');
    if (link) { window.location.assign(link.href); return true; }
    return false;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var t = ev.target;
    var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) { return; }
    var done = false;
    switch (ev.key) {
      case "j": case "ArrowRight": done = follow("next"); break;
      case "k": case "ArrowLeft": done = follow("prev"); break;
      case "n": done = follow("next-dept"); break;
      case "p": done = follow("prev-dept"); break;
      case "a":
        var btn = document.getElementById("accept-btn");
        if (btn) { btn.click(); done = true; }
        break;
    }
    if (done) { ev.preventDefault(); }
  });
  document.documentElement.setAttribute("data-review-keys", "on");  // shortcuts are live (tests wait for this)
})();
