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
