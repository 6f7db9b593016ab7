// A pasted address line (广东省深圳市南山区科技园路1号) fills 省/市/区 and the street of the
// form it is in: the server splits it (cpca) and names what it could not recognise.
(function () {
  "use strict";
  function fill(form, name, value) {
    const input = name && form.querySelector("[name='" + name + "']");
    if (input && value) input.value = value;
  }

  function parse(box) {
    const line = box.value.trim();
    const problem = box.parentNode.querySelector(".address-problem");
    if (!line) return;
    fetch(box.dataset.parseUrl + "?line=" + encodeURIComponent(line), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (parts) {
        const form = box.closest("form");
        fill(form, box.dataset.province, parts.province);
        fill(form, box.dataset.city, parts.city);
        fill(form, box.dataset.district, parts.district);
        fill(form, box.dataset.detail, parts.detail);
        problem.textContent = parts.problem;
        problem.hidden = !parts.problem;
        box.classList.toggle("has-problem", !!parts.problem);
      });
  }

  document.querySelectorAll("input[data-address-paste]").forEach(function (box) {
    // A paste fills at once; typed text when the clerk leaves the box (or presses Enter).
    box.addEventListener("paste", function () { setTimeout(function () { parse(box); }, 0); });
    box.addEventListener("change", function () { parse(box); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); parse(box); }
    });
  });
})();
