// tokensim sweep page: click a property to list only the seeds that broke it; copy buttons.
(function () {
  'use strict';
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.failure'));
  var bars = Array.prototype.slice.call(document.querySelectorAll('tr.property'));
  var note = document.getElementById('filter-note');
  var shown = null;
  function showOnly(property) {
    shown = shown === property ? null : property;
    var count = 0;
    rows.forEach(function (row) {
      var match = shown === null || row.getAttribute('data-properties').split(' ').indexOf(shown) >= 0;
      row.classList.toggle('hidden', !match);
      if (match) { count++; }
    });
    bars.forEach(function (bar) { bar.classList.toggle('on', bar.getAttribute('data-property') === shown); });
    if (note) { note.textContent = shown === null ? '' : 'Showing the ' + count + ' listed seeds that broke ' + shown + ' (click it again for all).'; }
  }
  bars.forEach(function (bar) { bar.addEventListener('click', function () { showOnly(bar.getAttribute('data-property')); }); });
  // The clipboard API needs a secure context, which file:// pages may not be: fall back to
  // selecting the command so that Ctrl+C copies it.
  Array.prototype.forEach.call(document.querySelectorAll('button.copy'), function (button) {
    button.addEventListener('click', function () {
      var code = button.parentNode.querySelector('.command');
      var text = code.textContent;
      var done = function () { button.textContent = 'copied'; button.classList.add('done'); };
      var select = function () {
        var range = document.createRange();
        range.selectNodeContents(code);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        button.textContent = 'selected: Ctrl+C';
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, select);
      } else {
        select();
      }
    });
  });
  document.body.setAttribute('data-ready', 'yes');
  window.tokensimSweep = { showOnly: showOnly };
})();
