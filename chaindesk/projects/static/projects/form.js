// Project form: offer only the segments of the chosen chain (the server checks it too).
(function () {
  "use strict";

  function sync(chain, node) {
    var id = chain.value;
    Array.prototype.forEach.call(node.options, function (option) {
      if (!option.dataset.chain) return;
      var show = !id || option.dataset.chain === id;
      option.hidden = !show;
      option.disabled = !show;
    });
    var chosen = node.options[node.selectedIndex];
    if (chosen && chosen.disabled) node.value = "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var chain = document.getElementById("id_chain");
    var node = document.getElementById("id_node");
    if (!chain || !node) return;
    chain.addEventListener("change", function () { sync(chain, node); });
    sync(chain, node);
  });
})();
