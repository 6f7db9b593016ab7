// Signature pad for delivery proof: draw with a finger or the mouse; the drawing is sent
// as a PNG data URL in the hidden "signature" field. Empty pad → no signature.
(function () {
  const canvas = document.getElementById("signature-pad");
  const form = document.getElementById("sign-form");
  if (!canvas || !form) return;
  const field = form.querySelector("input[name=signature]");
  const context = canvas.getContext("2d");
  let drawing = false;
  let drawn = false;

  function reset() {
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.strokeStyle = "#111";
    drawn = false;
  }
  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  }
  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = point(event);
    context.beginPath();
    context.moveTo(x, y);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    const [x, y] = point(event);
    context.lineTo(x, y);
    context.stroke();
    drawn = true;
    event.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  document.getElementById("signature-clear").addEventListener("click", reset);
  form.addEventListener("submit", function () {
    field.value = drawn ? canvas.toDataURL("image/png") : "";
  });

  // Abnormal receipt needs photos and a description: show the block only when it applies.
  const condition = form.querySelector("select[name=condition]");
  const abnormal = document.getElementById("abnormal-fields");
  function toggle() { abnormal.hidden = condition.value === "normal"; }
  condition.addEventListener("change", toggle);
  reset();
  toggle();
})();
