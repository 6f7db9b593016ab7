// While a file is being checked or imported, poll its progress; reload once it is done.
(function () {
  const box = document.getElementById("import-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-testid=import-progress-text]");
  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!state.running) { window.location.reload(); return; }
        if (state.total) {
          bar.value = state.percent;
          const verb = state.phase === "importing" ? "已创建订单" : "已校验";
          text.textContent = verb + " " + state.done + " / " + state.total + (state.phase === "importing" ? "" : " 行");
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 800);
})();
