// Chrome keeps even Cache-Control: no-store pages in its back/forward cache,
// so after signing out, Back showed the profile again from memory. A page
// restored from that cache reloads, and the server decides what to show.
addEventListener("pageshow", function (e) {
  if (e.persisted) location.reload();
});
