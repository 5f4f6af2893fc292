// Collects script errors into the page itself (#js-errors), so that a broken page says so
// on screen and the browser tests can find it in the DOM. Runs before any other script.
(function () {
  'use strict';
  var errors = [];
  function show(message) {
    errors.push(String(message));
    var target = document.getElementById('js-errors');
    if (target) {
      target.hidden = false;
      target.textContent = 'This page hit a script error; please report it.\n' + errors.join('\n');
    }
    if (document.body) { document.body.setAttribute('data-js-errors', String(errors.length)); }
  }
  window.addEventListener('error', function (event) {
    show((event.message || 'error') + ' (line ' + (event.lineno || '?') + ')');
  });
  window.addEventListener('unhandledrejection', function (event) { show('unhandled rejection: ' + event.reason); });
  var original = console.error;
  console.error = function () {
    show(Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
  window.tokensimErrors = errors;
})();
