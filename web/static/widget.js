/* Redazione web chat widget. Paste on the ente's site:
 *   <script src="https://REDAZIONE/widget.js" data-channel="ID" defer></script>
 * Accessible (keyboard, screen reader), no dependencies, survives reloads. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var channel = script.getAttribute('data-channel');
  var base = new URL(script.src, location.href).origin;
  var api = base + '/widget/v1/' + encodeURIComponent(channel);
  var keyToken = 'redazione-token-' + channel, keyPrivacy = 'redazione-privacy-' + channel;
  var store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  };
  var css = '' +
    '.rdz-launch{position:fixed;right:1.5rem;bottom:1.5rem;z-index:2147483000;background:#06c;color:#fff;border:0;border-radius:2rem;padding:.8rem 1.4rem;font:600 1rem/1.2 "Titillium Web",sans-serif;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}' +
    '.rdz-launch:focus-visible,.rdz-panel button:focus-visible,.rdz-panel textarea:focus-visible,.rdz-panel input:focus-visible,.rdz-body:focus-visible{outline:3px solid #f90;outline-offset:2px}' +
    '.rdz-panel{position:fixed;right:1.5rem;bottom:5rem;z-index:2147483000;width:min(24rem,calc(100vw - 2rem));max-height:min(36rem,calc(100vh - 7rem));display:flex;flex-direction:column;background:#fff;color:#1a1a1a;border:1px solid #5c6f82;border-radius:.6rem;box-shadow:0 4px 16px rgba(0,0,0,.3);font:1rem/1.4 "Titillium Web",sans-serif}' +
    '.rdz-panel[hidden]{display:none}' +
    '.rdz-head{display:flex;justify-content:space-between;align-items:center;background:#06c;color:#fff;padding:.6rem 1rem;border-radius:.6rem .6rem 0 0}' +
    '.rdz-head h2{font-size:1.1rem;margin:0;color:#fff}' +
    '.rdz-close{background:transparent;color:#fff;border:1px solid #fff;border-radius:.3rem;padding:.2rem .6rem;cursor:pointer;font:inherit}' +
    '.rdz-body{padding:1rem;overflow:auto;flex:1}' +
    '.rdz-log{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.5rem}' +
    '.rdz-msg{padding:.5rem .8rem;border-radius:.5rem;max-width:85%;white-space:pre-wrap;overflow-wrap:anywhere}' +
    '.rdz-citizen{background:#e6f0fa;align-self:flex-end}' +
    '.rdz-office{background:#f2f2f2;align-self:flex-start}' +
    '.rdz-who{display:block;font-size:.8rem;font-weight:700;color:#474747}' +
    '.rdz-form{border-top:1px solid #d9dadb;padding:.8rem 1rem;display:flex;flex-direction:column;gap:.4rem}' +
    '.rdz-form label{font-weight:600;font-size:.9rem}' +
    '.rdz-form textarea,.rdz-form input{font:inherit;border:1px solid #5c6f82;border-radius:.3rem;padding:.4rem;width:100%;box-sizing:border-box}' +
    '.rdz-btn{background:#06c;color:#fff;border:0;border-radius:.3rem;padding:.5rem 1rem;font:600 1rem/1.2 "Titillium Web",sans-serif;cursor:pointer;align-self:flex-end}' +
    '.rdz-error{color:#a30000;font-weight:600;margin:0}' +
    '.rdz-privacy p{margin:0 0 .8rem}';
  var style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }

  var launch = el('button', { type: 'button', 'class': 'rdz-launch', 'aria-expanded': 'false', 'aria-controls': 'rdz-panel' }, 'Scrivici');
  var panel = el('section', { id: 'rdz-panel', 'class': 'rdz-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'rdz-title', hidden: '' });
  var head = el('div', { 'class': 'rdz-head' });
  var title = el('h2', { id: 'rdz-title' }, 'Scrivici');
  var close = el('button', { type: 'button', 'class': 'rdz-close' }, 'Chiudi');
  close.setAttribute('aria-label', 'Chiudi la chat');
  head.appendChild(title); head.appendChild(close);
  var body = el('div', { 'class': 'rdz-body', tabindex: '0' }); // scrollable: reachable by keyboard
  panel.appendChild(head); panel.appendChild(body);
  document.body.appendChild(launch);
  document.body.appendChild(panel);

  var config = null, log = null, form = null, errorBox = null, source = null;

  function open() {
    panel.hidden = false;
    launch.setAttribute('aria-expanded', 'true');
    render();
  }
  function hide() {
    panel.hidden = true;
    launch.setAttribute('aria-expanded', 'false');
    launch.focus();
  }
  launch.addEventListener('click', function () { panel.hidden ? open() : hide(); });
  close.addEventListener('click', hide);
  panel.addEventListener('keydown', function (e) { if (e.key === 'Escape') hide(); });

  function loadConfig() {
    if (config) return Promise.resolve(config);
    return fetch(api + '/config').then(function (r) { return r.json(); }).then(function (c) {
      config = c;
      title.textContent = c.title || title.textContent;
      launch.textContent = c.title || launch.textContent;
      return c;
    });
  }

  function render() {
    loadConfig().then(function (c) {
      body.textContent = '';
      if (form) { form.remove(); form = null; }
      if (!store.get(keyPrivacy)) return renderPrivacy(c);
      renderChat();
    }).catch(function () {
      body.textContent = '';
      body.appendChild(el('p', { 'class': 'rdz-error', role: 'alert' }, 'La chat non è raggiungibile in questo momento. Riprova più tardi.'));
    });
  }

  function renderPrivacy(c) {
    var box = el('div', { 'class': 'rdz-privacy' });
    box.appendChild(el('h3', { style: 'font-size:1rem;margin:0 0 .5rem' }, 'Informativa sulla privacy'));
    box.appendChild(el('p', { id: 'rdz-privacy-text' }, c.privacy));
    var ok = el('button', { type: 'button', 'class': 'rdz-btn', 'aria-describedby': 'rdz-privacy-text' }, 'Ho letto l\u2019informativa, continua');
    ok.addEventListener('click', function () { store.set(keyPrivacy, '1'); render(); });
    box.appendChild(ok);
    body.appendChild(box);
    ok.focus();
  }

  function renderChat() {
    var logBox = el('div', { role: 'log', 'aria-live': 'polite', 'aria-label': 'Messaggi della conversazione' });
    log = el('ol', { 'class': 'rdz-log' });
    logBox.appendChild(log);
    body.appendChild(logBox);
    shown = {}; // a new, empty list: show every message again
    form = el('form', { 'class': 'rdz-form', novalidate: '' });
    var hasToken = !!store.get(keyToken);
    if (!hasToken) {
      form.appendChild(el('label', { 'for': 'rdz-name' }, 'Il tuo nome (facoltativo)'));
      form.appendChild(el('input', { id: 'rdz-name', name: 'name', autocomplete: 'name', maxlength: '120' }));
    }
    form.appendChild(el('label', { 'for': 'rdz-text' }, 'Il tuo messaggio'));
    var ta = el('textarea', { id: 'rdz-text', name: 'text', rows: '3', maxlength: '4000' });
    if (!(config && config.files)) ta.setAttribute('required', ''); // with a file, the text may be left empty
    form.appendChild(ta);
    if (config && config.files) {
      // One photo or PDF with the message; the server checks the content.
      form.appendChild(el('label', { 'for': 'rdz-file' }, 'Allega una foto o un PDF (facoltativo, massimo ' + config.max_file_mb + ' MB)'));
      form.appendChild(el('input', { id: 'rdz-file', name: 'file', type: 'file', accept: 'image/jpeg,image/png,image/gif,image/webp,application/pdf' }));
    }
    errorBox = el('p', { 'class': 'rdz-error', role: 'alert' });
    form.appendChild(errorBox);
    form.appendChild(el('button', { type: 'submit', 'class': 'rdz-btn' }, 'Invia'));
    form.addEventListener('submit', send);
    ta.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(e); }
    });
    panel.appendChild(form);
    if (hasToken) { fetchMessages(); connect(); }
    else log.appendChild(el('li', { 'class': 'rdz-msg rdz-office' }, 'Buongiorno! Scrivi qui la tua domanda: l\u2019ufficio ti risponderà in questa finestra.'));
    ta.focus();
  }

  function send(e) {
    e.preventDefault();
    var ta = form.querySelector('textarea');
    var fileInput = form.querySelector('input[type=file]');
    var file = fileInput && fileInput.files.length ? fileInput.files[0] : null;
    var text = ta.value.trim();
    errorBox.textContent = '';
    if (!text && !file) { errorBox.textContent = 'Scrivi un messaggio prima di inviare.'; ta.focus(); return; }
    if (file && file.size > config.max_file_mb * 1048576) {
      errorBox.textContent = 'Il file supera ' + config.max_file_mb + ' MB: scegline uno più piccolo.';
      fileInput.focus();
      return;
    }
    var nameInput = form.querySelector('input[name=name]');
    var token = store.get(keyToken) || '', name = nameInput ? nameInput.value : '';
    var req = { method: 'POST' };
    if (file) {
      var fd = new FormData();
      fd.append('token', token); fd.append('name', name); fd.append('text', text); fd.append('file', file);
      req.body = fd; // the browser sets the multipart type and boundary
    } else {
      req.headers = { 'Content-Type': 'application/json' };
      req.body = JSON.stringify({ token: token, text: text, name: name });
    }
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    button.textContent = file ? 'Invio del file\u2026' : 'Invio\u2026';
    function done() { button.disabled = false; button.textContent = 'Invia'; }
    fetch(api + '/messages', req)
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        done();
        if (!res.ok) { errorBox.textContent = res.j.error || 'Messaggio non inviato.'; return; }
        var first = !store.get(keyToken);
        store.set(keyToken, res.j.token);
        ta.value = '';
        if (fileInput) fileInput.value = '';
        if (nameInput) { nameInput.previousSibling.remove(); nameInput.remove(); }
        fetchMessages();
        if (first) connect();
        ta.focus();
      })
      .catch(function () { done(); errorBox.textContent = 'Connessione assente: il messaggio non è stato inviato. Riprova.'; });
  }

  var shown = {};
  function fetchMessages() {
    var token = store.get(keyToken);
    if (!token || !log) return;
    fetch(api + '/messages?token=' + encodeURIComponent(token)).then(function (r) { return r.json(); }).then(function (j) {
      if (Object.keys(shown).length === 0) log.textContent = '';
      (j.messages || []).forEach(function (m) {
        if (shown[m.id]) return;
        shown[m.id] = true;
        var li = el('li', { 'class': 'rdz-msg ' + (m.from === 'citizen' ? 'rdz-citizen' : 'rdz-office') });
        li.appendChild(el('span', { 'class': 'rdz-who' }, m.from === 'citizen' ? 'Tu' : (config ? config.ente : 'Ufficio')));
        appendLinked(li, m.text);
        (m.files || []).forEach(function (f) {
          // Served only with this visitor's token: the link is theirs alone.
          var a = el('a', { 'class': 'rdz-file', href: api + f.path + '?token=' + encodeURIComponent(token), target: '_blank', rel: 'noopener' }, 'Allegato: ' + f.name);
          li.appendChild(el('br'));
          li.appendChild(a);
        });
        log.appendChild(li);
      });
      body.scrollTop = body.scrollHeight;
    });
  }

  // Text with its web addresses as links (the survey link, for one).
  function appendLinked(parent, text) {
    var re = /https?:\/\/[^\s<>"]+/g, last = 0, m;
    while ((m = re.exec(text))) {
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = el('a', { href: m[0], target: '_blank', rel: 'noopener' }, m[0]);
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function connect() {
    if (source || !window.EventSource) return;
    var token = store.get(keyToken);
    source = new EventSource(api + '/events?token=' + encodeURIComponent(token));
    source.addEventListener('message', fetchMessages);
    source.onopen = fetchMessages; // catch up after a reconnection
    // A refused stream (429: too many from this address) is not retried by
    // EventSource: try again later.
    source.onerror = function () {
      if (source && source.readyState === 2) {
        source.close();
        source = null;
        setTimeout(connect, 30000);
      }
    };
  }

  // A returning citizen finds the conversation where they left it.
  if (store.get(keyToken)) { loadConfig().then(function () { launch.setAttribute('data-has-conversation', 'true'); }).catch(function () {}); }
})();
