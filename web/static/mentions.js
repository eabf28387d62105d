// Working together on a conversation (loaded on the conversation page):
// @ suggestions in a note, who else has the conversation open or is
// writing, and a reply held back when the conversation moved on.
(function () {
  'use strict';
  var text = document.getElementById('reply-text');
  var form = text && text.form;
  var lang = document.documentElement.lang || 'it';

  // --- @mentions: a listbox of colleagues under the note being written.
  var list = document.getElementById('mention-options');
  var status = document.getElementById('mention-status');
  var note = document.getElementById('kind-note');
  var people = null, loading = null, shown = [], active = -1, lastCount = -1;
  function load() {
    if (people) return Promise.resolve(people);
    if (!loading) {
      loading = fetch(list.dataset.src, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (p) { people = p || []; return people; })
        .catch(function () { loading = null; return []; });
    }
    return loading;
  }
  // The @word just before the caret, or null.
  function token() {
    var before = text.value.slice(0, text.selectionStart);
    var m = /(^|[^\p{L}\p{N}])@([\p{L}\p{N}._-]*)$/u.exec(before);
    return m ? { query: m[2].toLowerCase(), start: before.length - m[2].length - 1 } : null;
  }
  function close() {
    if (list.hidden) return;
    list.hidden = true;
    list.innerHTML = '';
    shown = [];
    active = -1;
    lastCount = -1;
    text.removeAttribute('aria-activedescendant');
  }
  function select(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, j) {
      li.setAttribute('aria-selected', j === i ? 'true' : 'false');
      if (j === i && li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
    });
    if (i >= 0) text.setAttribute('aria-activedescendant', 'mention-opt-' + i);
    else text.removeAttribute('aria-activedescendant');
  }
  function matches(p, q) {
    if (!q) return true;
    if (p.handle.indexOf(q) === 0) return true;
    return p.name.toLowerCase().split(/\s+/).some(function (w) { return w.indexOf(q) === 0; });
  }
  function suggest() {
    var t = note && note.checked ? token() : null;
    if (!t) { close(); return; }
    load().then(function (all) {
      var now = token();
      if (!now || now.query !== t.query || !note.checked) return;
      shown = all.filter(function (p) { return matches(p, t.query); }).slice(0, 8);
      list.innerHTML = '';
      shown.forEach(function (p, i) {
        var li = document.createElement('li');
        li.id = 'mention-opt-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.textContent = p.name + ' ';
        var h = document.createElement('span');
        h.className = 'handle';
        h.textContent = '@' + p.handle;
        li.appendChild(h);
        // Keep the focus in the text while the mouse chooses.
        li.addEventListener('mousedown', function (e) { e.preventDefault(); });
        li.addEventListener('click', function () { choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      select(shown.length ? 0 : -1);
      if (shown.length !== lastCount) {
        lastCount = shown.length;
        status.textContent = redazionePlural(list.dataset.found, shown.length);
      }
    });
  }
  function choose(i) {
    var p = shown[i], t = token();
    if (!p || !t) return;
    var end = text.selectionStart;
    var ins = '@' + p.handle + ' ';
    text.value = text.value.slice(0, t.start) + ins + text.value.slice(end);
    var caret = t.start + ins.length;
    text.setSelectionRange(caret, caret);
    close();
    status.textContent = p.name;
    text.dispatchEvent(new Event('input', { bubbles: true }));
    text.focus();
  }
  if (text && list) {
    text.setAttribute('aria-autocomplete', 'list');
    text.setAttribute('aria-haspopup', 'listbox');
    text.setAttribute('aria-controls', 'mention-options');
    text.addEventListener('input', suggest);
    text.addEventListener('click', suggest);
    text.addEventListener('blur', function () { setTimeout(close, 150); });
    text.addEventListener('keydown', function (e) {
      if (list.hidden) return;
      var n = shown.length;
      var used = true;
      if (e.key === 'ArrowDown' && n) select((active + 1) % n);
      else if (e.key === 'ArrowUp' && n) select((active - 1 + n) % n);
      else if ((e.key === 'Enter' || e.key === 'Tab') && active >= 0) choose(active);
      else if (e.key === 'Escape') close();
      else used = false;
      if (used) { e.preventDefault(); e.stopPropagation(); }
    });
    document.addEventListener('change', function (e) { if (e.target && e.target.name === 'kind') close(); });
  }

  // --- Presence: who else has the conversation open, or is writing.
  var box = document.getElementById('presence');
  if (box && window.fetch) {
    var conv = box.dataset.conversation;
    var others = {}; // user id -> {name, state, at}
    var mine = 'viewing', idle = null, rendered = '', greet = null;
    var tell = function (state) {
      var body = new FormData();
      body.append('csrf', box.dataset.csrf);
      body.append('state', state);
      if (state === 'left' && navigator.sendBeacon) {
        navigator.sendBeacon('/conversations/' + conv + '/presence', body);
        return;
      }
      fetch('/conversations/' + conv + '/presence', { method: 'POST', body: body, credentials: 'same-origin', keepalive: state === 'left' }).catch(function () {});
    };
    var set = function (state) {
      if (state !== mine) { mine = state; tell(state); }
    };
    // Sent: no longer writing.
    document.body.addEventListener('htmx:afterRequest', function (e) {
      if (form && e.detail.elt === form && e.detail.successful) { clearTimeout(idle); set('viewing'); }
    });
    var render = function () {
      var now = Date.now(), items = [];
      Object.keys(others).forEach(function (id) {
        var o = others[id];
        if (now - o.at > 50000) { delete others[id]; return; }
        items.push(o);
      });
      items.sort(function (a, b) { return a.name.localeCompare(b.name, lang); });
      var key = items.map(function (o) { return o.name + '|' + o.state; }).join('\n');
      if (key === rendered) return; // nothing new to say
      rendered = key;
      var ul = box.querySelector('ul');
      ul.innerHTML = '';
      items.forEach(function (o) {
        var li = document.createElement('li');
        li.className = o.state;
        li.textContent = (o.state === 'typing' ? box.dataset.typing : box.dataset.viewing).replace('%s', o.name);
        ul.appendChild(li);
      });
    };
    var onPresence = function (ev) {
      var d = {};
      try { d = JSON.parse(ev.data); } catch (e) { return; }
      if (String(d.conversation) !== conv) return;
      var known = others[d.user];
      if (d.state === 'left') delete others[d.user];
      else others[d.user] = { name: d.name, state: d.state, at: Date.now() };
      // Someone new: say we are here too, so they need not wait for our
      // next heartbeat.
      if (!known && d.state !== 'left' && !greet && document.visibilityState !== 'hidden') {
        greet = setTimeout(function () { greet = null; tell(mine); }, 200 + Math.random() * 300);
      }
      render();
    };
    var hook = function (es) {
      es.addEventListener('presence', onPresence);
      es.addEventListener('open', function () { if (document.visibilityState !== 'hidden') tell(mine); });
    };
    if (window.redazioneEvents) hook(window.redazioneEvents);
    document.addEventListener('redazione:live', function (e) { hook(e.detail); });
    // A tab in the background is not looking: it says it left, and comes
    // back when it is shown again.
    var visible = function () { return document.visibilityState !== 'hidden'; };
    if (visible()) tell(mine);
    document.addEventListener('visibilitychange', function () { tell(visible() ? mine : 'left'); });
    setInterval(function () { if (visible()) tell(mine); render(); }, 20000);
    if (text) {
      text.addEventListener('input', function () {
        set(text.value.trim() ? 'typing' : 'viewing');
        clearTimeout(idle);
        idle = setTimeout(function () { set('viewing'); }, 10000);
      });
    }
    window.addEventListener('pagehide', function () { tell('left'); });
    document.addEventListener('redazione:leave', function () { tell('left'); });
  }

  // --- A reply held back: someone answered, or the citizen wrote again,
  // since the operator started writing.
  if (form) {
    var seen = form.querySelector('input[name=seen]');
    var force = form.querySelector('input[name=force]');
    var conflict = document.getElementById('reply-conflict');
    var newest = function () {
      var max = 0;
      document.querySelectorAll('#thread li.msg[id^="m"]').forEach(function (li) {
        var n = parseInt(li.id.slice(1), 10);
        if (n > max) max = n;
      });
      return max;
    };
    // What the operator has seen is the thread as it was when they began.
    var began = false;
    text.addEventListener('input', function () {
      if (!text.value) { began = false; return; }
      if (!began) {
        began = true;
        var n = newest();
        if (n > parseInt(seen.value || '0', 10)) seen.value = n;
      }
    });
    document.body.addEventListener('htmx:beforeSwap', function (e) {
      var xhr = e.detail.xhr;
      var elt = e.detail.requestConfig ? e.detail.requestConfig.elt : e.detail.elt;
      if (!xhr || xhr.status !== 409 || elt !== form) return;
      var newer = xhr.getResponseHeader('X-Redazione-Collision');
      if (!newer) return;
      e.detail.shouldSwap = false;
      seen.value = newer;
      conflict.innerHTML = xhr.responseText;
    });
    document.body.addEventListener('htmx:afterRequest', function (e) {
      if (e.detail.elt === form && e.detail.successful) {
        force.value = '';
        conflict.innerHTML = '';
        began = false;
      }
    });
    conflict.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('[data-force-send]');
      if (!b) return;
      force.value = '1';
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
    });
  }
})();
