// A step of the expectation agreement: jumping to another step from the list of steps saves what was
// typed on this one first, as "Back" and "Next" do, instead of leaving it behind. Without JavaScript the
// list is plain links, and the buttons under the form save.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("step-form");
  if (!form) return;
  // A form that came back (an error, or someone else's save) holds text not saved yet.
  let changed = form.hasAttribute("data-unsaved");
  form.addEventListener("input", () => {
    changed = true;
  });
  document.querySelectorAll(".agreement-progress a[data-step]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (!changed) return;
      event.preventDefault();
      const go = document.createElement("input");
      go.type = "hidden";
      go.name = "go";
      go.value = "step:" + link.dataset.step;
      form.appendChild(go);
      form.submit();
    });
  });
});
