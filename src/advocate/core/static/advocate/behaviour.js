// The little behaviour pages have, in one file so the Content-Security-Policy can forbid inline script.
//   <select data-autosubmit>   submits its form when the choice changes (the form keeps a <noscript> button)
//   <button data-confirm="…">  asks first; the form is sent only if the person agrees
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
//   <a data-insert="text" data-answer="7" href="?use=7#reply">   puts the text into the reply box at the cursor,
//   keeping what is written there (the link reloads the page with the answer where there is no script)
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-insert]");
  const form = document.getElementById("reply");
  if (!link || !form) return;
  const box = form.querySelector("textarea[name=body]");
  if (!box) return;
  event.preventDefault();
  const at = box.selectionStart ?? box.value.length;
  const before = box.value.slice(0, at), after = box.value.slice(box.selectionEnd ?? at);
  const glue = before && !before.endsWith("\n") ? "\n\n" : "";
  box.value = before + glue + link.dataset.insert + after;
  const used = form.querySelector("input[name=answer_id]");
  if (used && link.dataset.answer) used.value = link.dataset.answer;
  box.focus();
  box.selectionStart = box.selectionEnd = (before + glue + link.dataset.insert).length;
});
