// A report being generated: poll its progress and reload the page when it is done or failed.
(function () {
  const box = document.getElementById("report-progress");
  if (!box || !box.querySelector("progress")) return;
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      box.querySelector("progress").value = d.progress;
      box.querySelector(".progress-text").textContent = d.progress + "%";
      if (d.state === "done" || d.state === "failed") { window.location.reload(); } else { setTimeout(poll, 1000); }
    });
  }
  setTimeout(poll, 1000);
})();
