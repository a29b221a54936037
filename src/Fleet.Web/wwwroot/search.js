// "/" focuses the top bar's search, unless the user is typing in a field.
document.addEventListener('keydown', function (e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) {
        return;
    }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
        return;
    }
    var box = document.getElementById('fleet-search');
    if (box) {
        e.preventDefault();
        box.focus();
        if (box.select) {
            box.select();
        }
    }
});
