// Assess: small progressive enhancements. No inline scripts (CSP); pages work without JS.
(function () {
  "use strict";
  // Confirm dangerous actions marked with data-confirm.
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
})();
