// Accessibility helpers that MudBlazor leaves to the site.
window.fleetA11y = {
    // Remembers the theme for a year; the server reads the cookie on the next page load (no flash of the other theme).
    saveTheme: function (dark) {
        document.cookie = "fleet-theme=" + (dark ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax";
        document.documentElement.classList.toggle("fleet-dark", dark);
    },
    // Gives the focus back to the control that opened a dialog, once the dialog is gone.
    focus: function (selector) {
        var element = document.querySelector(selector);
        if (element) {
            element.focus();
        }
    }
};

// MudDataGrid names every column's sort button "Sort"; name each for its column ("Sort by Serial").
(function () {
    function nameSortButtons(root) {
        root.querySelectorAll("th .column-header").forEach(function (header) {
            var title = header.querySelector(".sortable-column-header");
            var button = header.querySelector("button.sort-direction-icon, .sort-direction-icon button, button:has(.sort-direction-icon)");
            if (!title || !button) {
                return;
            }
            var label = "Sort by " + title.textContent.trim();
            if (button.getAttribute("aria-label") !== label) {
                button.setAttribute("aria-label", label);
            }
        });
    }
    function start() {
        nameSortButtons(document);
        new MutationObserver(function () { nameSortButtons(document); })
            .observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label"] });
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();

// Puts focus on the first element matching a selector (a dialog's opener when it closes); does nothing when none matches.
window.fleetA11y.focus = function (selector) {
    var element = document.querySelector(selector);
    if (element) {
        element.focus();
    }
};
