// Imports review page: typing a corrected number selects "更正为" for that figure.
(function () {
  "use strict";
  document.querySelectorAll("form.import-form input[name^='value-']").forEach(function (input) {
    input.addEventListener("input", function () {
      var name = input.name.slice("value-".length);
      var radio = input.form.querySelector("input[type=radio][name='decision-" + name + "'][value='correct']");
      if (radio) { radio.checked = true; }
    });
  });
})();
