// After a form is sent, move the focus to where the answer is: the summary of what needs attention
// (with links to the fields) when it came back with errors, or the form's one message when the error is
// about the form as a whole (a wrong password); else the part of the page the address
// points at (an item just moved up or down, so that it can be moved again from the keyboard); else the
// confirmation. Without JavaScript the errors and the confirmation are still the first thing in the
// page's main content, and the browser scrolls to the part the address points at.
document.addEventListener("DOMContentLoaded", () => {
  const pointedAt = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  const target =
    document.querySelector("#form-errors") ||
    document.querySelector("main form .alert-danger") ||
    pointedAt ||
    document.querySelector("#messages .alert");
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});
