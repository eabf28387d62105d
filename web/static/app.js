// Redazione operator UI: live updates by server-sent events. Every event is
// a small notice; the page then fetches its own fresh HTML with htmx.
(function () {
  'use strict';
  var pending = {};
  function refresh(id) {
    if (pending[id]) return;
    pending[id] = setTimeout(function () {
      delete pending[id];
      var el = document.getElementById(id);
      if (!el || !el.dataset.src) return;
      // Do not swap a form the operator is typing in.
      if (el.contains(document.activeElement) && /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) return;
      htmx.ajax('GET', el.dataset.src, { target: '#' + id, swap: 'outerHTML' });
    }, 60);
  }
  function announce(text) {
    var live = document.getElementById('live-status');
    if (!live) return;
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 30);
  }
  var lang = document.documentElement.lang;
  function onEvent(kind) {
    return function (ev) {
      var data = {};
      try { data = JSON.parse(ev.data); } catch (e) { /* keep-alive */ }
      refresh('conversation-list');
      var thread = document.getElementById('thread');
      if (thread && String(data.conversation) === thread.dataset.conversation) {
        refresh('thread');
        if (kind === 'conversation') refresh('conversation-details');
      }
      if (kind === 'message' && document.getElementById('conversation-list')) {
        announce(lang === 'en' ? 'Inbox updated' : 'Elenco dei messaggi aggiornato');
      }
      if (kind === 'notification') {
        announce(lang === 'en' ? 'New notification' : 'Nuova notifica');
      }
    };
  }
  if (window.EventSource) {
    var es = new EventSource('/events');
    ['message', 'conversation', 'delivery', 'notification'].forEach(function (k) {
      es.addEventListener(k, onEvent(k));
    });
    es.onopen = function () { document.body.dataset.live = 'on'; };
  }
  // Clear the composer after a successful send.
  document.body.addEventListener('htmx:afterRequest', function (e) {
    var form = e.detail.elt;
    if (form && form.matches && form.matches('form[data-reset]') && e.detail.successful) {
      form.reset();
      updateComposer();
      var ta = form.querySelector('textarea');
      if (ta) ta.focus();
    }
  });
  // The composer says, before sending, whether the text goes to the citizen.
  function updateComposer() {
    var note = document.getElementById('kind-note');
    var help = document.getElementById('reply-help');
    var btn = document.getElementById('send-button');
    if (!note || !help || !btn) return;
    var k = note.checked ? 'note' : 'reply';
    help.textContent = help.dataset[k];
    btn.textContent = btn.dataset[k];
    var form = note.form;
    form.classList.toggle('is-note', note.checked);
  }
  document.addEventListener('change', function (e) {
    if (e.target && e.target.name === 'kind') updateComposer();
  });
  updateComposer();
})();
