// 复制 buttons (api/token_created.html): a button with data-copy="<input id>" copies that field's value and says so
// (its data-copied text) for two seconds. Where the clipboard is not available (http, an old browser) the field is
// selected instead, for Ctrl+C.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var label = button.querySelector("span") || button;
    var before = label.textContent;
    function done() {
      label.textContent = button.getAttribute("data-copied") || before;
      window.setTimeout(function () { label.textContent = before; }, 2000);
    }
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });
})();
