// The export page's "Select all" box, bound here rather than by an inline onchange attribute,
// which the Content Security Policy refuses. onSelectToggleChange is django-import-export's.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".select-toggle").forEach((box) => {
    box.addEventListener("change", onSelectToggleChange);
  });
});
