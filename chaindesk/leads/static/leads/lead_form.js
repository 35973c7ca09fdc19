// Lead form: show only the origin fields the chosen source needs (以商引商 → 引荐企业, 在外能人 → 引荐能人,
// 研发机构 → 研发机构, 异地对接 → 对接城市). Without this script every field stays visible and the server
// checks the same rules. Fields already holding a value or an error stay visible so nothing is hidden.
(function () {
  "use strict";

  function update(form) {
    var select = form.querySelector("select[name=source]");
    if (!select) return;
    form.querySelectorAll("[data-source-field]").forEach(function (wrapper) {
      var wanted = wrapper.getAttribute("data-source-field").split(" ");
      var input = wrapper.querySelector("input, select, textarea");
      var keep = wanted.indexOf(select.value) !== -1 || !select.value ||
        (input && input.value) || wrapper.querySelector(".invalid-feedback");
      wrapper.classList.toggle("d-none", !keep);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-lead-form]").forEach(function (form) {
      update(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "source") update(form);
      });
    });
  });
})();
