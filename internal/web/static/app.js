// Chrome keeps even Cache-Control: no-store pages in its back/forward cache,
// so after signing out, Back showed the profile again from memory. A page
// restored from that cache reloads, and the server decides what to show.
addEventListener("pageshow", function (e) {
  if (e.persisted) location.reload();
});

// The profile form works without this script. With it, the Save bar says
// when there are unsaved changes, and Discard asks nothing: it is a link
// that reloads the saved values.
(function () {
  var form = document.querySelector("form.profile-form");
  if (!form || typeof FormData === "undefined") return;
  var clean = form.querySelector(".state-clean");
  var dirty = form.querySelector(".state-dirty");
  var pending = form.classList.contains("is-pending");
  var snapshot = function () { return new URLSearchParams(new FormData(form)).toString(); };
  var initial = snapshot();
  var update = function () {
    var changed = pending || snapshot() !== initial;
    form.classList.toggle("is-dirty", changed);
    if (clean && dirty) { clean.hidden = changed; dirty.hidden = !changed; }
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();

// After a save the server rejected, focus moves to the error summary (it has
// tabindex="-1" for this), so keyboard and screen reader users start at the
// list of problems, whose links take them to the fields. Without script,
// role="alert" still announces it.
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();

// After sign-out the portal hands the browser to the identity provider with
// a form (so the ID token is never in a URL); without script the user
// presses its button.
(function () {
  var f = document.querySelector("form[data-autosubmit]");
  if (f) f.submit();
})();
