// The demand page's irreversible actions (不予受理, 合并): once the browser's dialog (core app.js, data-confirm)
// has been accepted, mark the form as confirmed so the server skips its own confirmation page, which is
// there for browsers without JavaScript.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-confirm") || form.querySelector("input[name=confirmed]")) return;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "confirmed";
    input.value = "1";
    form.appendChild(input);
  });
})();
