// After a form is sent, move the focus to where the answer is: the summary of what needs attention
// (with links to the fields) when it came back with errors, else the confirmation. Without JavaScript
// both are still the first thing in the page's main content.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.querySelector("#form-errors") || document.querySelector("#messages .alert");
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});
