/* Admin onboarding pages: the Copy buttons beside each install snippet. */
(function () {
  "use strict";
  function copied(button, text) {
    var status = button.parentNode.querySelector(".va-copied");
    if (status) status.textContent = text;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".va-copy");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) return;
    var text = source.textContent;
    function fallback() {
      // No clipboard API (plain http, old browser): select the text so Ctrl+C copies it.
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      copied(button, "Selected: press Ctrl+C (⌘C) to copy.");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button, "Copied."); }, fallback);
    } else {
      fallback();
    }
  });
})();
