// redazionePlural picks the text for the number n from forms, the JSON of
// the server's pluralForms (texts by CLDR plural category), as the server's
// translateN does: "1 risposta trovata", "2 risposte trovate".
function redazionePlural(forms, n) {
  var f = {};
  try { f = JSON.parse(forms || '{}'); } catch (e) { /* no forms */ }
  var lang = document.documentElement.lang || 'it';
  var text = n === 0 && f.zero;
  if (!text) {
    var cat = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang).select(n) : (n === 1 ? 'one' : 'other');
    text = f[cat] || f.other || '%d';
  }
  return text.replace('%d', n.toLocaleString(lang));
}
// redazioneAnnounce says text in the page's live region (#live-status),
// emptied first so that the same text twice is said twice.
function redazioneAnnounce(text) {
  var live = document.getElementById('live-status');
  if (!live || !text) return;
  live.textContent = '';
  setTimeout(function () { live.textContent = text; }, 30);
}
// Focus that survives a redraw. redazioneFocusKey says where the keyboard
// focus is inside the element root (which has an id), by things a redrawn
// copy still has: the control's id, its conversation row, its message, its
// form (action and hidden values) and its place among root's controls.
// redazioneRestoreFocus puts the focus back there after root was redrawn,
// or on the nearest control that still exists (the next tag's × when the
// tag removed is gone), unless the user has moved on meanwhile.
var redazioneFocusable = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
function redazioneControls(root) {
  return Array.prototype.filter.call(root.querySelectorAll(redazioneFocusable), function (el) {
    return !el.disabled && !el.closest('[hidden]');
  });
}
function redazioneFormSig(form) {
  return Array.prototype.filter.call(form.querySelectorAll('input[type=hidden]'), function (i) { return i.name !== 'csrf'; })
    .map(function (i) { return i.name + '=' + i.value; }).join('&');
}
function redazioneFocusKey(root) {
  var a = document.activeElement;
  if (!root || !root.id || !a || a === document.body || !root.contains(a) || a === root) return null;
  var k = { root: root.id, all: redazioneControls(root).indexOf(a) };
  if (a.id) k.id = a.id;
  var row = a.closest('li[data-conversation]');
  if (row) { k.conv = row.dataset.conversation; k.inRow = redazioneControls(row).indexOf(a); }
  var msg = a.closest('li.msg');
  if (msg && msg.id) { k.msg = msg.id; k.inMsg = redazioneControls(msg).indexOf(a); }
  var form = a.form || a.closest('form');
  if (form && form.getAttribute('action')) {
    k.action = form.getAttribute('action');
    k.sig = redazioneFormSig(form);
    k.inForm = Array.prototype.indexOf.call(form.elements, a);
    k.formAt = Array.prototype.filter.call(root.querySelectorAll('form'), function (f) { return f.getAttribute('action') === k.action; }).indexOf(form);
  }
  return k;
}
function redazioneRestoreFocus(k) {
  if (!k) return false;
  var now = document.activeElement;
  if (now && now !== document.body && document.body.contains(now)) return false; // the user moved on
  var root = document.getElementById(k.root);
  if (!root) return false;
  var t = null;
  if (k.id) { t = document.getElementById(k.id); if (t && !root.contains(t)) t = null; }
  if (!t && k.conv) {
    var row = root.querySelector('li[data-conversation="' + k.conv + '"]');
    if (row) t = redazioneControls(row)[k.inRow] || redazioneControls(row)[0];
  }
  if (!t && k.msg) {
    var li = document.getElementById(k.msg);
    if (li && root.contains(li)) t = redazioneControls(li)[k.inMsg] || li.querySelector('.msg-actions button');
  }
  if (!t && k.action) {
    var forms = Array.prototype.filter.call(root.querySelectorAll('form'), function (f) { return f.getAttribute('action') === k.action; });
    var same = forms.filter(function (f) { return redazioneFormSig(f) === k.sig; });
    var f = same[0] || forms[Math.min(k.formAt, forms.length - 1)];
    if (f) t = f.elements[k.inForm] || f.querySelector('button');
  }
  if (!t) {
    var all = redazioneControls(root);
    t = all[Math.min(Math.max(k.all, 0), all.length - 1)];
  }
  if (!t) return false;
  t.focus();
  return document.activeElement === t;
}
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
      var keep = redazioneFocusKey(el);
      // The element itself is the request's source: htmx lets one request
      // per source run and queues only the latest after it, so the list,
      // the thread and the panel, redrawn at once, must not share one
      // (the page's body, by default) or one of them would be dropped.
      var done = htmx.ajax('GET', el.dataset.src, { source: el, target: '#' + id, swap: 'outerHTML' });
      // A live redraw keeps the keyboard focus where it was (the
      // conversation's row in the list, the control in the panel).
      if (keep && done && done.then) done.then(function () { redazioneRestoreFocus(keep); });
    }, 60);
  }
  var announce = redazioneAnnounce;
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
    var es = null, leaving = false;
    var live = function () {
      es = new EventSource('/events');
      ['message', 'conversation', 'delivery', 'notification'].forEach(function (k) {
        es.addEventListener(k, onEvent(k));
      });
      // Crisis mode turned on or off, here or on another node: redraw the
      // banner and say so.
      es.addEventListener('crisis', function () {
        refresh('crisis-live');
        announce(lang === 'en' ? 'Crisis mode changed' : 'Modalità crisi cambiata');
      });
      // Other scripts of the page (mentions.js: presence) listen on the
      // same stream: one connection per tab.
      window.redazioneEvents = es;
      document.dispatchEvent(new CustomEvent('redazione:live', { detail: es }));
      es.onopen = function () { document.body.dataset.live = 'on'; };
      // A refused stream (429: too many tabs open) is not retried by
      // EventSource: try again later.
      es.onerror = function () {
        if (es.readyState === 2 && !leaving) {
          document.body.dataset.live = 'off';
          setTimeout(live, 30000);
        }
      };
    };
    live();
    // The page is being replaced by a form's answer: its stream goes with it.
    document.addEventListener('redazione:leave', function () { leaving = true; es.close(); });
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
    // a platform's shorter limit (Bluesky, X) holds for replies, not notes
    var ta = document.getElementById('reply-text');
    var limit = ta && ta.dataset[k === 'note' ? 'limitNote' : 'limitReply'];
    // and is counted as the platform counts it (data-count-as)
    var how = ta && k === 'reply' ? (ta.dataset.countReply || '') : '';
    if (limit) countTo(ta, limit, how);
  }
  document.addEventListener('change', function (e) {
    if (e.target && e.target.name === 'kind') updateComposer();
  });
  updateComposer();
  // A conversation shown beside the inbox (split.js) has its own composer.
  document.addEventListener('redazione:content', updateComposer);

  // An action's answer redraws its panel (Assegna, Salva, a tag's ×): the
  // keyboard focus stays on the control acted on, or the nearest one left,
  // and what the action did, as the server says it (X-Redazione-Done), is
  // announced. Never the page's <body>, never the footer next.
  var keepFocus = {};
  document.body.addEventListener('htmx:beforeSwap', function (e) {
    var t = e.detail.target;
    if (!e.detail.shouldSwap || !t || !t.id) return;
    // A live redraw that comes while the operator is choosing or typing
    // in the panel would undo the choice: it waits for the next update.
    var a = document.activeElement, cfg = e.detail.requestConfig;
    if (cfg && cfg.verb === 'get' && a && t.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) && a.type !== 'checkbox' && a.type !== 'radio') {
      e.detail.shouldSwap = false;
      return;
    }
    var k = redazioneFocusKey(t);
    if (k) keepFocus[t.id] = k;
  });
  // Put back at once, in the swap's own task: no moment with the focus on
  // the page for a key pressed or a screen reader to fall into.
  document.body.addEventListener('htmx:afterSwap', function () {
    Object.keys(keepFocus).forEach(function (id) {
      var k = keepFocus[id];
      delete keepFocus[id];
      redazioneRestoreFocus(k);
    });
  });
  // Heard from the request itself, not from htmx's events on the form: a
  // live redraw may have replaced the form before the answer came, and
  // events on a form no longer in the page reach no one.
  document.body.addEventListener('htmx:beforeSend', function (e) {
    var xhr = e.detail.xhr;
    if (!xhr) return;
    xhr.addEventListener('load', function () {
      var done = xhr.status < 400 ? xhr.getResponseHeader('X-Redazione-Done') : null;
      if (done === null) return;
      try { done = decodeURIComponent(done); } catch (err) { /* as sent */ }
      announce(done);
    });
  });

  // "Carica altre": the inbox's next page is appended to the list, on a
  // click or when the link scrolls into view. A row already shown is not
  // repeated, and the list's live URL is made to end at the last row loaded
  // (until=), so a live redraw keeps every loaded row, once each, with new
  // conversations at the top. Without JavaScript the link opens the next
  // page itself.
  var loadingMore = false;
  function loadMore(link, byKeyboard) {
    var list = document.getElementById('conversation-list');
    if (loadingMore || !list || !list.contains(link)) return;
    loadingMore = true;
    var box = link.parentNode;
    link.setAttribute('aria-disabled', 'true');
    link.textContent = link.dataset.loading || link.textContent;
    fetch(link.href, { headers: { 'HX-Request': 'true', 'HX-Target': 'conversation-more' }, credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        loadingMore = false;
        // A live redraw replaced the list meanwhile: it has its own link.
        if (!document.body.contains(list)) return;
        var sec = new DOMParser().parseFromString(html, 'text/html').getElementById('conversation-list');
        var ul = list.querySelector('ul.conv-list');
        if (!sec || !ul) throw new Error('no list in the answer');
        var seen = {};
        Array.prototype.forEach.call(ul.querySelectorAll('li[data-conversation]'), function (li) { seen[li.dataset.conversation] = true; });
        var added = [];
        Array.prototype.forEach.call(sec.querySelectorAll('ul.conv-list > li[data-conversation]'), function (li) {
          if (seen[li.dataset.conversation]) return;
          var row = document.importNode(li, true);
          ul.appendChild(row);
          added.push(row);
        });
        if (sec.dataset.last) {
          var u = new URL(list.dataset.src, window.location.href);
          u.searchParams.set('until', sec.dataset.last);
          list.dataset.src = u.pathname + u.search;
          list.dataset.last = sec.dataset.last;
        }
        // The link is replaced: if it had the focus (a Tab onto it also
        // scrolls it into view and loads), the keyboard goes on from the
        // first row loaded, or the new link, never from the page's top.
        var hadFocus = byKeyboard || box.contains(document.activeElement);
        var more = sec.querySelector('#list-more');
        var fresh = more ? document.importNode(more, true) : null;
        if (fresh) box.parentNode.replaceChild(fresh, box);
        else box.parentNode.removeChild(box);
        announce(redazionePlural(link.dataset.loaded, added.length));
        var first = added.length ? added[0].querySelector('a') : (fresh && fresh.querySelector('a'));
        if (hadFocus && first) first.focus();
        watchMore();
      })
      .catch(function () {
        loadingMore = false;
        window.location.href = link.href; // the plain next page
      });
  }
  document.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('#conversation-list a[data-more]');
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button > 0) return;
    e.preventDefault();
    loadMore(link, e.detail === 0);
  });
  var watcher = window.IntersectionObserver ? new IntersectionObserver(function (entries) {
    entries.forEach(function (en) { if (en.isIntersecting) loadMore(en.target, false); });
  }, { rootMargin: '0px 0px 300px 0px' }) : null;
  function watchMore() {
    if (!watcher) return;
    watcher.disconnect();
    var link = document.querySelector('#conversation-list a[data-more]');
    if (link) watcher.observe(link);
  }
  watchMore();
  document.body.addEventListener('htmx:afterSettle', watchMore);
})();
// Canned answers: "/" in the composer (at the start or after a space) moves
// to the answer search, an ARIA combobox; Enter inserts the chosen answer,
// filled in for this citizen, where the "/" was typed.
(function () {
  'use strict';
  function init() {
  var picker = document.querySelector('.answer-picker');
  var ta = document.getElementById('reply-text');
  if (!picker || !ta || picker.dataset.ready) return;
  picker.dataset.ready = '1';
  var input = document.getElementById('answer-search');
  var list = document.getElementById('answer-options');
  var status = document.getElementById('answer-status');
  // rendered: the query the list shows; enterPending: Enter was pressed
  // before the list caught up with what was typed (insert when it does).
  var items = [], active = -1, slashAt = -1, timer = null, seq = 0, rendered = null, enterPending = false;

  function close() {
    list.hidden = true;
    list.innerHTML = '';
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    items = []; active = -1; rendered = null; enterPending = false;
  }
  function setActive(i) {
    if (!items.length) return;
    active = (i + items.length) % items.length;
    Array.prototype.forEach.call(list.children, function (li, j) {
      li.setAttribute('aria-selected', j === active ? 'true' : 'false');
    });
    input.setAttribute('aria-activedescendant', 'answer-opt-' + active);
    list.children[active].scrollIntoView({ block: 'nearest' });
  }
  function render(answers) {
    list.innerHTML = '';
    items = answers;
    answers.forEach(function (a, i) {
      var li = document.createElement('li');
      li.id = 'answer-opt-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      var t = document.createElement('strong');
      t.textContent = a.title;
      var p = document.createElement('span');
      p.className = 'answer-preview';
      p.textContent = a.text.length > 140 ? a.text.slice(0, 140) + '…' : a.text;
      li.appendChild(t); li.appendChild(p);
      li.addEventListener('mousedown', function (e) { e.preventDefault(); insert(i); });
      list.appendChild(li);
    });
    list.hidden = answers.length === 0;
    input.setAttribute('aria-expanded', answers.length ? 'true' : 'false');
    status.textContent = redazionePlural(picker.dataset.found, answers.length);
    active = -1;
    if (answers.length) setActive(0);
  }
  function search() {
    var n = ++seq, q = input.value;
    function done(answers) {
      if (n !== seq) return;
      rendered = q;
      render(answers);
      if (enterPending) { enterPending = false; insert(0); }
    }
    fetch(picker.dataset.answers + '?q=' + encodeURIComponent(q), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : { answers: [] }; })
      .then(function (d) { done(d.answers || []); })
      .catch(function () { done([]); });
  }
  function insert(i) {
    var a = items[i];
    if (!a) return;
    var v = ta.value, at = slashAt >= 0 && v.charAt(slashAt) === '/' ? slashAt : v.length;
    var end = slashAt >= 0 && v.charAt(slashAt) === '/' ? slashAt + 1 : v.length;
    ta.value = v.slice(0, at) + a.text + v.slice(end);
    var caret = at + a.text.length;
    close();
    input.value = '';
    slashAt = -1;
    ta.focus();
    ta.setSelectionRange(caret, caret);
  }
  ta.addEventListener('keydown', function (e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    var pos = ta.selectionStart, before = ta.value.slice(0, pos);
    if (before !== '' && !/\s$/.test(before)) return;
    // Type the "/" here and move to the search in the same event, so that
    // whatever is typed next, however fast, goes to the search.
    e.preventDefault();
    slashAt = pos;
    ta.setRangeText('/', pos, ta.selectionEnd, 'end');
    ta.dispatchEvent(new Event('input', { bubbles: true }));
    input.value = '';
    input.focus();
    search();
  });
  input.addEventListener('focus', function () { if (!items.length) search(); });
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown') { e.preventDefault(); setActive(active + 1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); setActive(active - 1); }
    else if (e.key === 'Enter') {
      e.preventDefault();
      // Typed faster than the search: the first answer for what was typed,
      // not the one the list still shows.
      if (input.value !== rendered) { enterPending = true; clearTimeout(timer); search(); }
      else insert(active >= 0 ? active : 0);
    }
    else if (e.key === 'Escape') { e.preventDefault(); close(); ta.focus(); }
  });
  // Closed a moment after the search loses focus (a click on an option comes
  // first), unless "/" has brought the focus back meanwhile.
  input.addEventListener('blur', function () {
    setTimeout(function () { if (document.activeElement !== input) close(); }, 150);
  });
  }
  init();
  // A conversation shown beside the inbox (split.js) has its own composer.
  document.addEventListener('redazione:content', init);
})();
// "Use the suggested answer": put a suggested text in the composer.
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-insert]');
  if (!b) return;
  var src = document.querySelector(b.getAttribute('data-insert'));
  var ta = document.getElementById('reply-text');
  if (!src || !ta) return;
  ta.value = src.textContent.trim();
  ta.focus();
});
// Tone hints: gentle notes while a reply is written; they never stop it.
(function () {
  'use strict';
  function init() {
  var ta = document.getElementById('reply-text');
  var box = document.getElementById('tone-hints');
  if (!ta || !box || box.dataset.ready) return;
  box.dataset.ready = '1';
  var greeting = /^\s*(buongiorno|buonasera|buon pomeriggio|gentile|gentili|egregi[oa]|spett|salve|ciao|car[oa]|grazie|good (morning|afternoon|evening)|dear|hello)/i;
  var timer = null;
  function isNote() {
    var n = document.getElementById('kind-note');
    return n && n.checked;
  }
  function check() {
    var text = ta.value.trim(), hints = [];
    if (text.length >= 12 && !isNote()) {
      var letters = text.replace(/[^A-Za-zÀ-ÿ]/g, '');
      var upper = letters.replace(/[^A-ZÀ-Þ]/g, '');
      if (letters.length >= 10 && upper.length / letters.length > 0.8) hints.push(ta.dataset.hintCaps);
      var typical = parseInt(ta.dataset.typical || '0', 10);
      if (typical > 0 && text.length > Math.max(3 * typical, typical + 400)) hints.push((ta.dataset.hintLong || '').replace('%d', typical));
      if (!greeting.test(text)) hints.push(ta.dataset.hintGreeting);
    }
    var html = hints.map(function (h) { return '<li>' + h.replace(/[<>&]/g, '') + '</li>'; }).join('');
    if (box.dataset.last === html) return;
    box.dataset.last = html;
    box.innerHTML = hints.length ? '<ul>' + html + '</ul>' : '';
  }
  ta.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(check, 700); });
  if (ta.form) ta.form.addEventListener('change', function (e) { if (e.target && e.target.name === 'kind') check(); });
  }
  init();
  document.addEventListener('redazione:content', init);
})();

// E-mail in HTML is shown in a sandboxed frame that runs no script: the
// page sizes the frame to its content once it has loaded.
document.addEventListener('load', function (ev) {
  var f = ev.target;
  if (!f.matches || !f.matches('iframe.mail-html')) return;
  try {
    f.style.height = (f.contentDocument.documentElement.scrollHeight + 16) + 'px';
  } catch (e) { /* the frame keeps its default height */ }
}, true);

// Hiding or showing a comment redraws the thread: the keyboard focus goes
// back to the same message's button, and screen readers hear the new state.
(function () {
  'use strict';
  var msgID = null;
  document.body.addEventListener('htmx:beforeRequest', function (e) {
    var form = e.detail.elt;
    var li = form && form.closest && form.closest('.msg-actions') && form.closest('li.msg');
    // Only a hide or show sets it: a live redraw starting meanwhile must
    // not make the focus forget where to go.
    if (li) msgID = li.id;
  });
  document.body.addEventListener('htmx:afterSettle', function () {
    if (!msgID) return;
    var li = document.getElementById(msgID);
    msgID = null;
    var btn = li && li.querySelector('.msg-actions button');
    if (btn) btn.focus();
    // What changed is announced from the server's answer (X-Redazione-Done).
  });
})();

// Refused actions: whatever the form (htmx or plain), the server's reason is
// shown next to the form the user acted in, announced to screen readers,
// and nothing typed is lost. The server sends the reason in the
// X-Redazione-Error header (URL-escaped) and the field in X-Redazione-Field.
(function () {
  'use strict';
  var en = document.documentElement.lang === 'en';
  var seq = 0;
  function decode(v) {
    try { return decodeURIComponent(v); } catch (e) { return v; }
  }
  function formOf(elt) {
    if (!elt) return null;
    if (elt.tagName === 'FORM') return elt;
    return elt.form || (elt.closest && elt.closest('form')) || null;
  }
  function generic(status) {
    if (status === 0) return en ? 'No connection: the action was not carried out. Try again.' : 'Connessione non riuscita: l\'azione non è stata eseguita. Riprova.';
    if (status === 413) return en ? 'Too large to send.' : 'Troppo grande per essere inviato.';
    if (status === 429) return en ? 'Too many requests: wait a moment and try again.' : 'Troppe richieste: attendi un momento e riprova.';
    return en ? 'The action was not carried out (error ' + status + '). Try again.' : 'L\'azione non è stata eseguita (errore ' + status + '). Riprova.';
  }
  function clear(form) {
    if (!form) return;
    var box = form.querySelector('.form-error');
    if (box) box.remove();
    var bad = form.querySelectorAll('[aria-invalid="true"][data-refused]');
    for (var i = 0; i < bad.length; i++) {
      var el = bad[i];
      el.removeAttribute('aria-invalid');
      el.removeAttribute('data-refused');
      var ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x.indexOf('form-error-') !== 0; });
      if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
    }
  }
  function show(form, msg, field) {
    var live = document.getElementById('live-status');
    if (!form) {
      var flash = document.getElementById('flash');
      if (flash) flash.textContent = msg;
      return;
    }
    clear(form);
    var box = document.createElement('div');
    box.id = 'form-error-' + (++seq);
    box.className = 'form-error alert alert-danger';
    box.setAttribute('role', 'alert');
    box.textContent = msg;
    form.appendChild(box);
    var ctl = field && form.elements ? form.elements.namedItem(field) : null;
    if (ctl && ctl.setAttribute && !ctl.length) {
      ctl.setAttribute('aria-invalid', 'true');
      ctl.setAttribute('data-refused', '');
      var d = ctl.getAttribute('aria-describedby');
      ctl.setAttribute('aria-describedby', (d ? d + ' ' : '') + box.id);
    }
    // role="alert" is announced as it appears; the polite region says it
    // again for readers that miss alerts added to a form.
    if (live) {
      live.textContent = '';
      setTimeout(function () { live.textContent = msg; }, 30);
    }
    if (!form.contains(document.activeElement)) {
      (ctl && ctl.focus && !ctl.length ? ctl : form.querySelector('button[type=submit], button:not([type])') || box).focus();
    }
  }
  // htmx: a 4xx or 5xx answer is not swapped in (htmx 2's default); its
  // reason goes next to the form.
  document.body.addEventListener('htmx:beforeRequest', function (e) { clear(formOf(e.detail.elt)); });
  document.body.addEventListener('htmx:beforeSwap', function (e) {
    var xhr = e.detail.xhr;
    if (!xhr || xhr.status < 400) return;
    e.detail.shouldSwap = false;
    var msg = xhr.getResponseHeader('X-Redazione-Error');
    show(formOf(e.detail.requestConfig ? e.detail.requestConfig.elt : e.detail.elt), msg !== null ? decode(msg) : generic(xhr.status), xhr.getResponseHeader('X-Redazione-Field'));
  });
  document.body.addEventListener('htmx:sendError', function (e) {
    show(formOf(e.detail.elt), generic(0));
  });
  // Plain forms are sent by the page, so that a refusal leaves the page
  // (and what was typed) as it is. What the server accepts is shown as a
  // normal navigation would show it. Without JavaScript, forms post as usual
  // and the server shows the reason on its page.
  var leaving = false;
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (e.defaultPrevented || !window.fetch || !window.FormData) return;
    // An htmx form swapped in a moment ago is set up by htmx only as the
    // swap settles: a key pressed on it before (its focus is put back at
    // once) would post it as a plain form and load a page. Set it up now
    // and send it the htmx way.
    if (form.hasAttribute('hx-post') && window.htmx && !(form['htmx-internal-data'] && form['htmx-internal-data'].initHash)) {
      e.preventDefault();
      htmx.process(form);
      // Sent again once this submit event is over: a form ignores a submit
      // asked for while its own is being dispatched.
      var by = e.submitter && e.submitter.form === form ? e.submitter : undefined;
      setTimeout(function () { if (form.isConnected) form.requestSubmit(by); }, 0);
      return;
    }
    if (!form.matches('form[method=post]') || form.hasAttribute('hx-post') || form.hasAttribute('data-native')) return;
    e.preventDefault();
    if (form.dataset.sending) return; // a double click sends once
    form.dataset.sending = '1';
    clear(form);
    var data;
    try { data = new FormData(form, e.submitter || undefined); } catch (err) {
      data = new FormData(form);
      if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
    }
    // The attribute, not form.action: a control named "action" hides it.
    var action = new URL(form.getAttribute('action') || location.href, location.href).href;
    fetch(action, { method: 'POST', body: data, credentials: 'same-origin', headers: { 'X-Redazione-Form': '1' } })
      .then(function (resp) {
        var msg = resp.headers.get('X-Redazione-Error');
        if (!resp.ok && msg !== null) {
          delete form.dataset.sending;
          show(form, decode(msg), resp.headers.get('X-Redazione-Field'));
          return;
        }
        if (resp.redirected) {
          leaving = true;
          location.assign(resp.url);
          return;
        }
        return resp.text().then(function (html) {
          // A page answered straight to the post (a form with warnings to
          // confirm, a result): show it as the browser would have.
          leaving = true;
          document.dispatchEvent(new CustomEvent('redazione:leave'));
          document.open();
          document.write(html);
          document.close();
        });
      })
      .catch(function () {
        delete form.dataset.sending;
        if (!leaving) show(form, generic(0));
      });
  });
})();

// The post composer counts to the chosen account's limit, as its platform
// counts (each account's data-limit and data-count-as), and to its limit
// with images (data-limit-images: a Telegram caption) once the post has one.
(function () {
  'use strict';
  function images(form) {
    var kept = Array.prototype.some.call(form.querySelectorAll('.post-image-row input[type=checkbox][name^="img_remove_"]'),
      function (c) { return !c.checked; });
    return kept || Array.prototype.some.call(form.querySelectorAll('.post-image-slot input[type=file]'),
      function (f) { return f.files && f.files.length > 0; });
  }
  document.addEventListener('change', function (e) {
    var t = e.target;
    var form = t && t.form;
    var ta = document.getElementById('post-text');
    if (!form || !ta || ta.form !== form) return;
    if (!(t.type === 'radio' && t.name === 'channel') && t.type !== 'file' && !(t.name || '').startsWith('img_remove_')) return;
    var r = form.querySelector('input[name=channel]:checked');
    if (!r || !r.dataset.limit) return;
    var limit = (r.dataset.limitImages && images(form)) ? r.dataset.limitImages : r.dataset.limit;
    var max = document.getElementById('post-max');
    if (max) max.textContent = limit;
    countTo(ta, limit, r.dataset.countAs);
  });
})();

// countTo makes a text count to limit, as the platform how counts it
// (textLength), and says so at once (the counter below).
function countTo(ta, limit, how) {
  how = how || '';
  if (ta.dataset.limit === limit && (ta.dataset.countAs || '') === how) return;
  ta.dataset.limit = limit;
  if (how) ta.dataset.countAs = how; else delete ta.dataset.countAs;
  ta.dispatchEvent(new Event('input', { bubbles: true }));
}

// textLength counts text as a platform does (publish.Length on the
// server): "graphemes" as Bluesky (what a reader sees as one character),
// "mastodon" as Mastodon (graphemes, a link 23, a remote account's
// mention without its domain), "x" as X (twitter-text v3: a link 23, an emoji 2, a code point by its
// range), else code points.
var textLength = (function () {
  'use strict';
  function clusters(s) {
    if (window.Intl && Intl.Segmenter) return Array.from(new Intl.Segmenter().segment(s), function (g) { return g.segment; });
    return Array.from(s);
  }
  var light = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
  function weight(cp) {
    for (var i = 0; i < light.length; i++) if (cp >= light[i][0] && cp <= light[i][1]) return 1;
    return 2;
  }
  function emoji(r) {
    return (r >= 0x1F000 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) || (r >= 0x2300 && r <= 0x23FF) ||
      (r >= 0x2B00 && r <= 0x2BFF) || (r >= 0x2190 && r <= 0x21FF) || (r >= 0xE0020 && r <= 0xE007F) ||
      [0xFE0F, 0x20E3, 0x200D, 0x3030, 0x303D, 0x3297, 0x3299, 0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139].indexOf(r) >= 0;
  }
  var tlds = ('com net org edu gov int mil info biz name pro museum app dev news online site shop blog travel jobs mobi asia coop aero cat tel ' +
    'xyz academy cloud email social gallery events city school').split(' ');
  function trim(u) {
    for (;;) {
      var t = u.replace(/[.,;:!?'»]+$/u, '');
      if (t.slice(-1) === ')' && t.split('(').length < t.split(')').length) t = t.slice(0, -1);
      if (t === u) return u;
      u = t;
    }
  }
  // schemeLinks: the links written with their scheme (publish.SchemeLinks).
  function schemeLinks(text) {
    var out = [], m;
    var scheme = /https?:\/\/[^\s<>"]+/giu;
    while ((m = scheme.exec(text))) {
      var end = m.index + trim(m[0]).length;
      if (end - m.index > 'https://'.length) out.push([m.index, end]);
    }
    return out;
  }
  function links(text) {
    var out = schemeLinks(text), m;
    var bare = /(?:^|[^\p{L}\p{N}@#$_.\/:-])((?:[\p{L}\p{N}](?:[\p{L}\p{N}_-]*[\p{L}\p{N}])?\.)+[a-z]{2,})((?:\/[^\s<>"]*)?)/giu;
    while ((m = bare.exec(text))) {
      var start = m.index + m[0].length - m[1].length - m[2].length;
      if (out.some(function (l) { return start >= l[0] && start < l[1]; })) continue;
      var host = m[1].toLowerCase(), labels = host.split('.'), tld = labels[labels.length - 1], path = m[2];
      var ok = labels.every(function (l) { return l.length <= 63; });
      if (ok && tlds.indexOf(tld) < 0) ok = tld.length === 2 && (labels.length > 2 || path !== '' || host === 't.co');
      if (ok) out.push([start, start + m[1].length + trim(path).length]);
    }
    return out.sort(function (a, b) { return a[0] - b[0]; });
  }
  function xCount(s) {
    var n = 0;
    clusters(s).forEach(function (g) {
      var cps = Array.from(g, function (c) { return c.codePointAt(0); });
      if (cps.length > 1 && (emoji(cps[0]) || emoji(cps[cps.length - 1]))) { n += 2; return; }
      cps.forEach(function (cp) { n += weight(cp); });
    });
    return n;
  }
  return function (text, how) {
    if (how === 'graphemes') return clusters(text).length;
    if (how === 'mastodon') {
      // Mastodon's StatusLengthValidator: another instance's account is
      // counted without its domain, a link with its scheme as 23.
      text = text.replace(/(^|[^=\/\p{L}\p{N}_])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@[\p{L}\p{N}_]+(?:[.-]+[\p{L}\p{N}_]+)*/giu, '$1@$2');
      var k = 0, c = 0;
      schemeLinks(text).forEach(function (l) { c += clusters(text.slice(k, l[0])).length + 23; k = l[1]; });
      return c + clusters(text.slice(k)).length;
    }
    if (how !== 'x') return Array.from(text).length;
    text = text.normalize('NFC');
    var n = 0, i = 0;
    links(text).forEach(function (l) { n += xCount(text.slice(i, l[0])) + 23; i = l[1]; });
    return n + xCount(text.slice(i));
  };
})();

// A text with a limit (data-limit, or maxlength) says how much is left
// before the limit is reached, and plainly when it is past it (the server
// refuses it then).
(function () {
  'use strict';
  var en = document.documentElement.lang === 'en';
  var sel = 'textarea[data-limit], textarea[maxlength]';
  function fmt(n) { return n.toLocaleString(en ? 'en-GB' : 'it-IT'); }
  function counter(ta) {
    var id = ta.id ? ta.id + '-count' : '';
    var out = id && document.getElementById(id);
    if (!out) {
      out = document.createElement('p');
      if (id) out.id = id;
      out.className = 'form-text char-count';
      out.hidden = true;
      ta.insertAdjacentElement('afterend', out);
      if (id) {
        var d = ta.getAttribute('aria-describedby');
        ta.setAttribute('aria-describedby', (d ? d + ' ' : '') + id);
      }
    }
    return out;
  }
  function update(ta) {
    var max = parseInt(ta.dataset.limit || ta.getAttribute('maxlength'), 10);
    if (!(max > 0)) return;
    var out = counter(ta);
    var n = textLength(ta.value, ta.dataset.countAs);
    var left = max - n;
    var near = n >= max * 0.9;
    out.hidden = !near;
    out.classList.toggle('text-danger', left < 0);
    var k = Math.abs(left), one = k === 1;
    var text = left >= 0
      ? (en ? fmt(k) + (one ? ' character' : ' characters') + ' left of ' + fmt(max) : fmt(k) + (one ? ' carattere rimasto' : ' caratteri rimasti') + ' su ' + fmt(max))
      : (en ? fmt(k) + (one ? ' character' : ' characters') + ' over the limit of ' + fmt(max) + ': shorten the text' : fmt(k) + (one ? ' carattere' : ' caratteri') + ' oltre il limite di ' + fmt(max) + ': accorcia il testo');
    if (out.textContent !== text) out.textContent = text;
    // Screen readers hear it when it comes near the limit and when it passes
    // it, not at every key.
    var stage = left < 0 ? 'over' : near ? 'near' : '';
    if (stage !== (ta.dataset.stage || '') && stage) {
      var live = document.getElementById('live-status');
      if (live) { live.textContent = ''; setTimeout(function () { live.textContent = text; }, 30); }
    }
    ta.dataset.stage = stage;
    if (left < 0) ta.setAttribute('aria-invalid', 'true');
    else if (!ta.hasAttribute('data-refused')) ta.removeAttribute('aria-invalid');
  }
  document.addEventListener('input', function (e) {
    if (e.target.matches && e.target.matches(sel)) update(e.target);
  });
  document.addEventListener('reset', function (e) {
    var tas = e.target.querySelectorAll(sel);
    setTimeout(function () { tas.forEach(update); }, 0);
  });
  document.querySelectorAll(sel).forEach(update);
  document.addEventListener('redazione:content', function (e) {
    if (e.detail && e.detail.root) e.detail.root.querySelectorAll(sel).forEach(update);
  });
  document.body.addEventListener('htmx:afterSettle', function (e) {
    if (e.target.querySelectorAll) e.target.querySelectorAll(sel).forEach(update);
  });
})();

// A text with a minimum and a maximum length (data-count-min and
// data-count-max: App IO's subject and body) shows its length as it is
// typed, and whether it is within the limits the server checks.
(function () {
  'use strict';
  var en = document.documentElement.lang === 'en';
  function fmt(n) { return n.toLocaleString(en ? 'en-GB' : 'it-IT'); }
  function update(el) {
    var out = document.getElementById(el.id + '-count');
    if (!out) return;
    var n = Array.from(el.value.trim()).length;
    var lo = parseInt(el.dataset.countMin, 10), hi = parseInt(el.dataset.countMax, 10);
    var ok = n >= lo && n <= hi;
    var text = en ? fmt(n) + (n === 1 ? ' character' : ' characters') + ' (from ' + fmt(lo) + ' to ' + fmt(hi) + ')'
      : fmt(n) + (n === 1 ? ' carattere' : ' caratteri') + ' (da ' + fmt(lo) + ' a ' + fmt(hi) + ')';
    if (!ok && n > 0) text += en ? (n < lo ? ': too short' : ': too long') : (n < lo ? ': troppo corto' : ': troppo lungo');
    if (out.textContent !== text) out.textContent = text;
    out.classList.toggle('text-danger', !ok && n > 0);
  }
  document.addEventListener('input', function (e) {
    if (e.target.matches && e.target.matches('[data-count-min]')) update(e.target);
  });
  document.querySelectorAll('[data-count-min]').forEach(update);
})();
