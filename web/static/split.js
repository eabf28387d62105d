// The inbox's split view: on a wide screen (1,200 px or more) the list
// stays on the left and the conversation chosen opens on the right, with no
// page load. The address is the conversation's (history.pushState), so Back
// and Forward move between the conversations opened and the list; the list
// keeps its scroll and its live updates (app.js). On a narrow screen, or
// without JavaScript, a conversation opens as a page of its own.
(function () {
  'use strict';
  var box = document.getElementById('inbox-split');
  var pane = document.getElementById('conversation-pane');
  if (!box || !pane || !window.fetch || !window.history.pushState || !window.matchMedia) return;
  var wide = window.matchMedia('(min-width: 1200px)');
  var empty = pane.innerHTML;
  var inboxURL = location.pathname + location.search;
  var inboxTitle = document.title;
  // ?open=ID: a conversation of this inbox to open at once (boot.js sends
  // a reloaded one here); the inbox's own address is without it.
  var reopen = null;
  var query = new URLSearchParams(location.search);
  if (query.has('open')) {
    if (/^\d+$/.test(query.get('open'))) reopen = '/conversations/' + query.get('open');
    query.delete('open');
    inboxURL = location.pathname + (query.toString() ? '?' + query.toString() : '');
  }
  var open = null; // the conversation shown, by id
  var seq = 0;

  function convURL(href) {
    var u = new URL(href, location.href);
    if (u.origin !== location.origin || !/^\/conversations\/\d+$/.test(u.pathname)) return null;
    return u;
  }
  // mark shows which row is open: aria-current on its link, a colour on
  // its row. The list is redrawn live, so it is marked again each time.
  function mark() {
    var rows = document.querySelectorAll('#conversation-list li[data-conversation]');
    Array.prototype.forEach.call(rows, function (li) {
      var on = li.dataset.conversation === open;
      var a = li.querySelector('a.conv-link');
      li.classList.toggle('is-current', on);
      if (!a) return;
      if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
  }
  function setSplit() {
    var on = wide.matches;
    box.classList.toggle('is-split', on);
    pane.hidden = !on;
  }
  function show(u, push) {
    var n = ++seq;
    pane.setAttribute('aria-busy', 'true');
    return fetch(u.pathname + u.search, { credentials: 'same-origin', headers: { 'HX-Request': 'true', 'HX-Target': 'conversation-pane' } })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        if (n !== seq) return false; // another conversation was chosen meanwhile
        var fromPane = pane.contains(document.activeElement);
        pane.innerHTML = html;
        pane.removeAttribute('aria-busy');
        var main = pane.querySelector('#conversation-main');
        if (!main) throw new Error('no conversation in the answer');
        open = main.dataset.conversation;
        if (push) history.pushState({ split: 'conversation', url: u.pathname + u.search, inbox: inboxURL }, '', u.pathname + u.search + u.hash);
        document.title = (main.dataset.title || main.dataset.name) + ' · Redazione';
        if (window.htmx) htmx.process(pane);
        mark();
        document.dispatchEvent(new CustomEvent('redazione:content', { detail: { root: pane } }));
        // A link in the pane itself was followed: the focus goes to the
        // conversation's heading, not to the page's top.
        var h = pane.querySelector('h1');
        if (fromPane && h) { h.tabIndex = -1; h.focus(); }
        var said = document.getElementById('keys-texts');
        if (said && said.dataset.opened) redazioneAnnounce(said.dataset.opened.replace('%s', main.dataset.name));
        return true;
      })
      .catch(function () {
        if (n === seq) location.assign(u.href); // the conversation's own page says what went wrong
        return false;
      });
  }
  function close() {
    seq++;
    open = null;
    pane.innerHTML = empty;
    pane.removeAttribute('aria-busy');
    document.title = inboxTitle;
    mark();
  }

  setSplit();
  history.replaceState({ split: 'inbox' }, '', inboxURL + location.hash);
  if (reopen && !wide.matches) {
    location.replace(reopen); // narrowed meanwhile: its own page
  } else if (reopen) {
    show(convURL(reopen), false).then(function (ok) {
      if (ok) history.replaceState({ split: 'conversation', url: reopen, inbox: inboxURL }, '', reopen);
    });
  }
  wide.addEventListener('change', function () {
    // Narrowed with a conversation open: the address is its page, show it.
    if (!wide.matches && open) { location.reload(); return; }
    setSplit();
  });

  // A conversation's link, in the list or in the pane (the contact's other
  // conversations), opens in the pane. The focus stays where it was (the
  // row chosen), so j and k go on from there.
  document.addEventListener('click', function (e) {
    if (!wide.matches || e.defaultPrevented || e.button > 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    var a = e.target.closest && e.target.closest('a.conv-link');
    if (!a || !box.contains(a)) return;
    var u = convURL(a.href);
    if (!u) return;
    e.preventDefault();
    if (u.pathname === location.pathname && open) return; // already open
    show(u, true);
  });
  window.addEventListener('popstate', function (e) {
    var st = e.state;
    if (!wide.matches || !st || !st.split) { location.reload(); return; }
    if (st.split === 'inbox') { close(); return; }
    var u = convURL(st.url);
    if (u) show(u, false);
  });
  // The list redrawn live, or a page appended to it: mark the open row.
  document.body.addEventListener('htmx:afterSettle', mark);
  new MutationObserver(function () { if (open) mark(); }).observe(box.querySelector('.split-list') || box, { childList: true, subtree: true });
  window.redazioneSplit = { open: function () { return open; }, inbox: inboxURL };
})();
