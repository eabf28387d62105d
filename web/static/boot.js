// Bootstrap Italia loads its fonts from this path.
window.__PUBLIC_PATH__ = '/static/vendor/bootstrap-italia/fonts';
// The page runs scripts: the main menu may fold behind its button (app.css
// shows it as a plain list without this class).
document.documentElement.classList.add('js');
// A conversation opened beside the inbox (split.js) and then loaded again
// (reloaded, or reached by Back from another page): on a screen still
// wide, the inbox it was opened from, with it open beside the list, as it
// was. split.js opens it from the parameter and puts the conversation's
// address back.
(function () {
  var st = window.history && history.state;
  if (!st || st.split !== 'conversation' || typeof st.inbox !== 'string' || !window.matchMedia ||
    !window.matchMedia('(min-width: 1200px)').matches) return;
  var m = /^\/conversations\/(\d+)$/.exec(location.pathname);
  if (!m || !/^\/inbox(\?|$)/.test(st.inbox)) return;
  document.documentElement.style.visibility = 'hidden';
  location.replace(st.inbox + (st.inbox.indexOf('?') < 0 ? '?' : '&') + 'open=' + m[1]);
})();
