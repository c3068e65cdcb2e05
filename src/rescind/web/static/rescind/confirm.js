// Confirmation dialog (docs/design.md): a <form data-confirm="Question?"
// data-confirm-label="Cancel order"> asks in a native <dialog class="confirm"> before it is
// sent. It listens in the capture phase, so it runs before htmx's own submit handler on boosted
// forms; once confirmed, the form is submitted again (requestSubmit, same submitter) and passes.
// A form with several submit buttons may ask each its own question: data-confirm (and
// data-confirm-label) on the button win over the form's.
(function () {
  "use strict";
  var confirmed = new WeakSet();
  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-question");
    var article = document.createElement("article");
    var question = document.createElement("p");
    question.id = "confirm-question";
    var footer = document.createElement("footer");
    var back = document.createElement("button");
    back.type = "button"; back.className = "secondary"; back.textContent = "Go back";
    back.setAttribute("data-answer", "back"); back.autofocus = true;
    var ok = document.createElement("button");
    ok.type = "button"; ok.setAttribute("data-answer", "ok");
    footer.append(back, ok);
    article.append(question, footer);
    dialog.append(article);
    back.addEventListener("click", function () { dialog.close("back"); });
    ok.addEventListener("click", function () { dialog.close("ok"); });
    return dialog;
  }

  function asked(form, submitter, name) {
    return (submitter && submitter.getAttribute(name)) || form.getAttribute(name);
  }

  function ask(form, submitter) {
    if (!dialog || !dialog.isConnected) { document.body.append(build()); }
    dialog.querySelector("#confirm-question").textContent = asked(form, submitter, "data-confirm");
    var ok = dialog.querySelector("[data-answer=ok]");
    ok.textContent = asked(form, submitter, "data-confirm-label") || "Confirm";
    ok.className = submitter && submitter.classList.contains("destructive") ? "destructive" : "";
    dialog.returnValue = "";
    dialog.addEventListener("close", function answered() {
      dialog.removeEventListener("close", answered);
      if (dialog.returnValue !== "ok") { return; }
      confirmed.add(form);
      if (submitter && submitter.form === form) { form.requestSubmit(submitter); }
      else { form.requestSubmit(); }
    });
    dialog.showModal();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !asked(form, event.submitter, "data-confirm")) { return; }
    if (confirmed.has(form)) { confirmed.delete(form); return; }
    event.preventDefault();
    event.stopPropagation();
    ask(form, event.submitter);
  }, true);
})();
