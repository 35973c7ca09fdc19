// The split form (拆分交办): the departments without an active handler are marked 「（无经办人）」 by the server
// (option data-unstaffed="1"); when one is chosen, the warning under its field shows. Without JavaScript the label
// says it, and a re-rendered form shows the warning for what was submitted.
(function () {
  "use strict";

  function update(select) {
    var which = select.getAttribute("data-unstaffed-select");
    var warning = select.form && select.form.querySelector('[data-unstaffed-warning="' + which + '"]');
    if (!warning) return;
    var flagged = Array.prototype.some.call(select.selectedOptions || [], function (option) {
      return option.getAttribute("data-unstaffed") === "1";
    });
    warning.classList.toggle("d-none", !flagged);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-unstaffed-select]")) update(target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-unstaffed-select]").forEach(update);
  });
})();
