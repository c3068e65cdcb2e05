// Confirmation dialog (components contract, issue 13): a <form data-confirm="question"> asks
// in a native <dialog class="confirm"> before it is sent, with buttons "<data-confirm-label or
// Confirm>" and "Go back". Confirming submits the form again, boosted by htmx or not.
// Listening in the capture phase on the document runs before htmx's own submit handler.
(function () {
  "use strict";
  var confirmed = null; // the form whose next submit event is the confirmed one
  var count = 0;

  function ask(form, submitter) {
    var dialog = document.createElement("dialog");
    var question = document.createElement("p");
    var buttons = document.createElement("div");
    var yes = document.createElement("button");
    var no = document.createElement("button");
    count += 1;
    dialog.className = "confirm";
    question.id = "confirm-question-" + count;
    question.textContent = form.getAttribute("data-confirm");
    dialog.setAttribute("aria-labelledby", question.id);
    buttons.className = "confirm-buttons";
    yes.type = no.type = "button";
    yes.textContent = form.getAttribute("data-confirm-label") || "Confirm";
    if (submitter && submitter.classList.contains("destructive")) yes.className = "destructive";
    no.textContent = "Go back";
    no.className = "secondary";
    buttons.append(yes, no);
    dialog.append(question, buttons);
    dialog.addEventListener("close", function () { dialog.remove(); });
    no.addEventListener("click", function () { dialog.close(); });
    yes.addEventListener("click", function () {
      dialog.close();
      confirmed = form;
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (confirmed === form) { confirmed = null; return; }
    event.preventDefault();
    event.stopPropagation();
    ask(form, event.submitter);
  }, true);
})();
