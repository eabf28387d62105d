// Passkeys (WebAuthn): a form marked data-passkey="register" or "login"
// asks the server for the ceremony's options (its action), asks the
// browser for the passkey, and sends the answer to data-finish. A refusal
// is shown beside the form, like every other (see app.js).
(function () {
  'use strict';
  var en = document.documentElement.lang === 'en';
  function b64u(buf) {
    var bytes = new Uint8Array(buf), s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function unb64u(str) {
    str = str.replace(/-/g, '+').replace(/_/g, '/');
    while (str.length % 4) str += '=';
    var s = atob(str), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out.buffer;
  }
  function decode(v) {
    try { return decodeURIComponent(v); } catch (e) { return v; }
  }
  function clear(form) {
    var box = form.querySelector('.form-error');
    if (box) box.remove();
  }
  function show(form, msg, field) {
    clear(form);
    var box = document.createElement('div');
    box.id = 'form-error-passkey';
    box.className = 'form-error alert alert-danger mt-2';
    box.setAttribute('role', 'alert');
    box.textContent = msg;
    form.appendChild(box);
    var ctl = field && form.elements ? form.elements.namedItem(field) : null;
    if (ctl && ctl.setAttribute && !ctl.length) {
      ctl.setAttribute('aria-invalid', 'true');
      ctl.focus();
    }
    var live = document.getElementById('live-status');
    if (live) { live.textContent = ''; setTimeout(function () { live.textContent = msg; }, 30); }
  }
  function refused(form, resp) {
    var msg = resp.headers.get('X-Redazione-Error');
    show(form, msg !== null ? decode(msg) : (en ? 'The request failed: try again.' : 'Richiesta non riuscita: riprova.'), resp.headers.get('X-Redazione-Field'));
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = unb64u(pk.challenge);
    pk.user.id = unb64u(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = unb64u(c.id); });
    return { publicKey: pk };
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = unb64u(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = unb64u(c.id); });
    return { publicKey: pk };
  }
  function credentialJSON(c) {
    var r = c.response, out = { id: c.id, rawId: b64u(c.rawId), type: c.type, clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}, response: { clientDataJSON: b64u(r.clientDataJSON) } };
    if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = b64u(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = b64u(r.authenticatorData);
      out.response.signature = b64u(r.signature);
      if (r.userHandle) out.response.userHandle = b64u(r.userHandle);
    }
    return JSON.stringify(out);
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.matches || !form.matches('form[data-passkey]')) return;
    e.preventDefault();
    if (form.dataset.sending) return;
    clear(form);
    if (!window.PublicKeyCredential || !navigator.credentials) {
      show(form, en ? 'This browser cannot use passkeys.' : 'Questo browser non può usare le passkey.');
      return;
    }
    form.dataset.sending = '1';
    var register = form.dataset.passkey === 'register';
    var data = new FormData(form);
    var headers = { 'X-Redazione-Form': '1' };
    fetch(form.getAttribute('action'), { method: 'POST', body: data, credentials: 'same-origin', headers: headers })
      .then(function (resp) {
        if (!resp.ok) { refused(form, resp); return null; }
        return resp.json();
      })
      .then(function (opts) {
        if (!opts) return null;
        return register ? navigator.credentials.create(creationOptions(opts)) : navigator.credentials.get(requestOptions(opts));
      })
      .then(function (cred) {
        if (!cred) return null;
        var done = new FormData();
        done.append('csrf', data.get('csrf'));
        if (register) done.append('name', data.get('name'));
        done.append('credential', credentialJSON(cred));
        return fetch(form.dataset.finish, { method: 'POST', body: done, credentials: 'same-origin', headers: headers });
      })
      .then(function (resp) {
        if (!resp) return;
        if (!resp.ok) { refused(form, resp); return; }
        if (resp.redirected) { location.assign(resp.url); return; }
        return resp.text().then(function (html) {
          document.open();
          document.write(html);
          document.close();
        });
      })
      .catch(function (err) {
        show(form, err && err.name === 'NotAllowedError'
          ? (en ? 'The passkey was not used (cancelled or timed out).' : 'La passkey non è stata usata (annullato o tempo scaduto).')
          : (en ? 'The passkey did not work: try again.' : 'La passkey non ha funzionato: riprova.'));
      })
      .then(function () { delete form.dataset.sending; });
  });
})();
