// keyward portal: small progressive enhancements. Every page works without
// this file; it adds copy buttons, confirmations and auto-submitting
// selects. No inline script is allowed by the Content-Security-Policy.
(function () {
  "use strict";

  function announce(text) {
    var status = document.getElementById("copy-status");
    if (status) {
      status.textContent = text;
    }
  }

  function selectAndCopy(el) {
    // Fallback for browsers without the async clipboard API.
    if (el.select) {
      el.focus();
      el.select();
    } else {
      var range = document.createRange();
      range.selectNodeContents(el);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    var text = target.value !== undefined ? target.value : target.textContent;
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    function done(ok) {
      button.textContent = ok ? "Copied" : "Press Ctrl+C to copy";
      button.classList.toggle("copied", ok);
      announce(ok ? label.replace(/^Copy/, "Copied") + " to the clipboard." : "Copy failed: the text is selected, press Ctrl+C.");
      window.setTimeout(function () {
        button.textContent = label;
        button.classList.remove("copied");
      }, 2500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        done(true);
      }, function () {
        done(selectAndCopy(target));
      });
    } else {
      done(selectAndCopy(target));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(button);
      });
    });

    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });

    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        select.form.submit();
      });
    });

    // The token form shows only the fields of the chosen profile; without
    // this script every field shows, each labelled with its profiles.
    var profiles = document.querySelectorAll('input[name="profile"]');
    function showProfileFields() {
      var chosen = document.querySelector('input[name="profile"]:checked');
      document.querySelectorAll("[data-profiles]").forEach(function (el) {
        el.hidden = !chosen || el.getAttribute("data-profiles").split(" ").indexOf(chosen.value) < 0;
      });
    }
    profiles.forEach(function (radio) {
      radio.addEventListener("change", showProfileFields);
    });
    if (profiles.length) {
      showProfileFields();
    }

    // Read-only secret fields select their whole value on focus, so that
    // copying by keyboard takes all of it.
    document.querySelectorAll("input[readonly].mono, textarea[readonly].mono").forEach(function (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    });
  });
})();
