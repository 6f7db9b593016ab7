// Ask before destructive actions (驳回, 取消…): the form carries the question.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const question = form.dataset ? form.dataset.confirm : null;
  if (question && !window.confirm(question)) event.preventDefault();
});
