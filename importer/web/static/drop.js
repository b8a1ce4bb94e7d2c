// Drag and drop a file onto a form's drop zone: it fills the file input and sends the form.
document.querySelectorAll("[data-drop]").forEach(function (form) {
  var zone = form.querySelector("[data-dropzone]"), input = form.querySelector("input[type=file]");
  if (!zone || !input) return;
  zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (e) {
    e.preventDefault(); zone.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; form.requestSubmit(); }
  });
});
