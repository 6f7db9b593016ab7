// Order entry: add/remove line rows, fill the list price when a product is picked,
// show an estimate of the amounts, and fill the receiver from the picked customer.
// The server recomputes every amount; nothing here is trusted.
(function () {
  "use strict";
  const form = document.getElementById("order-form");
  if (!form) return;
  const tbody = document.querySelector("#line-table tbody");
  const template = document.getElementById("line-template");
  const totalForms = form.querySelector("input[name='lines-TOTAL_FORMS']");

  function money(value) {
    return "¥" + value.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function recompute() {
    let total = 0;
    tbody.querySelectorAll("tr.line-row").forEach(function (row) {
      const deleted = row.querySelector("input[type=checkbox][name$='-DELETE']");
      const qty = parseInt((row.querySelector("input[name$='-quantity']") || {}).value || "0", 10);
      const priceInput = row.querySelector("input[name$='-unit_price']") || {};
      const price = parseFloat(priceInput.value || row.dataset.rulePrice || "0");
      const cell = row.querySelector(".line-amount");
      row.classList.toggle("deleted", !!(deleted && deleted.checked));
      if (qty > 0 && price >= 0 && !(deleted && deleted.checked)) {
        const amount = Math.round(qty * price * 100) / 100;
        total += amount;
        cell.textContent = money(amount);
      } else {
        cell.textContent = "—";
      }
    });
    document.getElementById("lines-total").textContent = money(total);
  }

  // Ask the server for the rule price of a line and show how it was found. The price
  // field is left empty (= priced by the rules on save) unless the clerk types one.
  function previewPrice(row) {
    const product = row.querySelector("select[name$='-product']");
    const qty = row.querySelector("input[name$='-quantity']");
    const note = row.querySelector(".rule-explanation");
    const price = row.querySelector("input[name$='-unit_price']");
    const unit = row.querySelector("input[name$='-unit']");
    if (!product || !product.value) { if (note) note.textContent = ""; return; }
    const customer = form.querySelector("select[name='customer']");
    const level = form.querySelector("select[name='new_customer_level']");
    const params = new URLSearchParams({
      product: product.value, quantity: (qty && qty.value) || "1", unit: (unit && unit.value) || "",
      customer: customer ? customer.value : (form.querySelector("input[name='customer']") || {}).value || "",
      level: level ? level.value : "",
    });
    // Only the latest question of the row is answered: an earlier one (the quantity's change
    // fires as the clerk moves on to the unit) may come back after it.
    const asked = String(Number(row.dataset.priceAsked || 0) + 1);
    row.dataset.priceAsked = asked;
    fetch(form.dataset.priceUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (row.dataset.priceAsked !== asked) return;
        if (data.error && note) note.textContent = data.error;
        if (!data.unit_price) return;
        row.dataset.rulePrice = data.unit_price;
        if (note) note.textContent = data.explanation;
        if (price) price.placeholder = data.unit_price;
        recompute();
      });
  }

  tbody.addEventListener("change", function (event) {
    const target = event.target;
    const row = target.closest("tr");
    if (target.name && target.name.endsWith("-product")) {
      const qty = row.querySelector("input[name$='-quantity']");
      if (qty && !qty.value) qty.value = 1;
    }
    if (target.name && ["-product", "-quantity", "-unit"].some(function (end) { return target.name.endsWith(end); })) previewPrice(row);
    recompute();
  });
  tbody.addEventListener("input", recompute);

  document.getElementById("add-line").addEventListener("click", function () {
    const index = parseInt(totalForms.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    tbody.insertAdjacentHTML("beforeend", html);
    totalForms.value = String(index + 1);
    const picker = tbody.lastElementChild.querySelector("input[slot=input]");
    if (picker) picker.focus();
  });

  // New customer toggle.
  const newToggle = form.querySelector("input[name='is_new_customer']");
  const newBox = document.getElementById("new-customer");
  if (newToggle && newBox) {
    newToggle.addEventListener("change", function () { newBox.hidden = !newToggle.checked; });
  }

  // The customer picker (server-side autocomplete): the picked customer's primary contact
  // and default address fill the receiver fields (masked as the user may see them).
  const select = form.querySelector("select[name='customer']");
  const fill = ["contact_name", "contact_phone", "contact_email", "ship_province", "ship_city", "ship_district", "ship_address"];

  function applyCustomer(data) {
    fill.forEach(function (name) {
      const input = form.querySelector("[name='" + name + "']");
      if (input && data[name] !== undefined) input.value = data[name];
    });
    if (newToggle) { newToggle.checked = false; newBox.hidden = true; }
  }

  if (select) {
    select.addEventListener("change", function () {
      if (!select.value) return;
      fetch(form.dataset.customerUrl + "?id=" + encodeURIComponent(select.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (data.results.length) applyCustomer(data.results[0]); });
    });
  }
  tbody.querySelectorAll("tr.line-row").forEach(previewPrice);
  if (select) select.addEventListener("change", function () { tbody.querySelectorAll("tr.line-row").forEach(previewPrice); });
  recompute();
})();
