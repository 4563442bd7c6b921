// Switchboard API reference: optional enhancements. The pages are complete
// without this script (no content depends on it).
(function () {
  "use strict";

  // Copy buttons on code blocks.
  document.querySelectorAll("pre.copyable").forEach(function (pre) {
    if (!navigator.clipboard) return;
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "copy";
    btn.textContent = "Copy";
    btn.addEventListener("click", function () {
      var code = pre.querySelector("code");
      navigator.clipboard.writeText(code ? code.textContent : pre.textContent).then(function () {
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = "Copy"; }, 1200);
      });
    });
    pre.appendChild(btn);
  });

  // Sidebar filter.
  var filter = document.getElementById("op-filter");
  if (filter) {
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      document.querySelectorAll("#sidebar [data-filter]").forEach(function (li) {
        li.classList.toggle("is-filtered", q !== "" && li.getAttribute("data-filter").indexOf(q) < 0);
      });
    });
  }

  // Expand / collapse all nested schema trees and responses.
  var content = document.querySelector("main.content");
  if (content && content.querySelector("details")) {
    var bar = document.createElement("div");
    bar.className = "toolbar";
    [["Expand all", true], ["Collapse all", false]].forEach(function (spec) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = spec[0];
      b.addEventListener("click", function () {
        content.querySelectorAll("details").forEach(function (d) { d.open = spec[1]; });
      });
      bar.appendChild(b);
    });
    var overview = document.getElementById("overview");
    if (overview) overview.appendChild(bar);
  }

  // Opening a link to an operation or schema inside a closed <details>.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") p.open = true;
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
