// Behaviour of the portal's pages, attached here: the Content-Security-Policy runs no inline
// script or on…= handler.

// Ask before destructive actions (驳回, 取消…): the form carries the question.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const question = form.dataset ? form.dataset.confirm : null;
  if (question && !window.confirm(question)) event.preventDefault();
});

// 打印 buttons (pick lists, vouchers, reports).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});

// A select that submits its form when changed (the language switch in the top bar).
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});
