// Keyboard shortcuts of the inbox and of a conversation, listed in the "?"
// dialog and in the README: j and k move along the list, Enter opens, r and
// n write a reply or a note, a assigns to me, e resolves, Ctrl+Enter sends.
// They never take a key typed in a field, nor one pressed with Ctrl, Alt or
// Cmd (but Ctrl+Enter in the text, which sends it).
(function () {
  'use strict';
  var dialog = document.getElementById('shortcuts');
  var opener = document.getElementById('shortcuts-open');
  var texts = document.getElementById('keys-texts');
  var returnTo = null;

  function say(what) {
    if (texts && texts.dataset[what]) redazioneAnnounce(texts.dataset[what]);
  }
  // typing: the key goes to a field (a check box or a radio button takes
  // no letters, so a shortcut pressed there still works).
  function typing(el) {
    if (!el || el === document.body) return false;
    if (el.tagName === 'INPUT') return !/^(checkbox|radio|button|submit|reset|image|range|color)$/.test(el.type);
    return el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
  }

  // The list: j and k move the focus from row to row, from the focused
  // row or else from the open one. Past the last row the focus goes to
  // "Carica altre", which loads the next rows and moves on to them (app.js).
  function move(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll('#conversation-list li[data-conversation] a.conv-link'));
    if (!links.length) return;
    var a = document.activeElement;
    var row = a && a.closest && a.closest('#conversation-list li[data-conversation]');
    var i = row ? links.indexOf(row.querySelector('a.conv-link')) : -1;
    if (i < 0) i = links.indexOf(document.querySelector('#conversation-list a.conv-link[aria-current]'));
    var j = i < 0 ? 0 : i + step;
    if (j >= links.length) {
      var more = document.querySelector('#conversation-list a[data-more]');
      if (more) more.focus();
      return;
    }
    if (j < 0) j = 0;
    links[j].focus();
  }

  // The conversation open (its page, or beside the list).
  function conversation() {
    var m = document.getElementById('conversation-main');
    if (!m) say('none');
    return m;
  }
  function write(kind) {
    var m = conversation();
    if (!m) return;
    var ta = m.querySelector('#reply-text');
    if (!ta) { say('unavailable'); return; }
    var radio = m.querySelector(kind === 'note' ? '#kind-note' : '#kind-reply');
    if (radio && !radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event('change', { bubbles: true }));
    }
    ta.focus();
  }
  // act sends one of the side panel's forms with other values, as its own
  // button would: same request, same audit entry, same answer announced.
  function act(action, values) {
    var m = conversation();
    if (!m) return;
    var form = m.querySelector('#conversation-details form[action$="/' + action + '"]');
    if (!form || !window.htmx) { say('unavailable'); return; }
    htmx.ajax('POST', form.getAttribute('action'), { source: form, target: '#conversation-details', swap: 'outerHTML', values: values });
  }

  // The dialog: a modal that keeps the focus inside, closes with Escape or
  // its button, and gives the focus back to where it was.
  function focusables() {
    return Array.prototype.filter.call(dialog.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])'), function (el) { return !el.disabled; });
  }
  function openDialog() {
    if (!dialog || dialog.open) return;
    returnTo = document.activeElement && document.activeElement !== document.body ? document.activeElement : null;
    dialog.showModal();
    var first = dialog.querySelector('[data-close]');
    if (first) first.focus();
  }
  if (dialog) {
    dialog.addEventListener('click', function (e) {
      if (e.target.closest('[data-close]') || e.target === dialog) dialog.close();
    });
    dialog.addEventListener('keydown', function (e) {
      if (e.key !== 'Tab') return;
      var f = focusables();
      if (!f.length) { e.preventDefault(); return; }
      var i = f.indexOf(document.activeElement);
      if (e.shiftKey && i <= 0) { e.preventDefault(); f[f.length - 1].focus(); } else if (!e.shiftKey && i === f.length - 1) { e.preventDefault(); f[0].focus(); }
    });
    dialog.addEventListener('close', function () {
      var back = returnTo && document.body.contains(returnTo) ? returnTo : opener;
      returnTo = null;
      if (back && !back.hidden) back.focus();
    });
  }
  if (opener && dialog) {
    opener.hidden = false;
    opener.addEventListener('click', openDialog);
  }

  document.addEventListener('keydown', function (e) {
    if (e.defaultPrevented || e.isComposing || (dialog && dialog.open)) return;
    var t = e.target;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
      if (t && t.tagName === 'TEXTAREA' && t.form) {
        e.preventDefault();
        t.form.requestSubmit();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(t)) return;
    var done = true;
    switch (e.key) {
      case 'j': move(1); break;
      case 'k': move(-1); break;
      case 'r': write('reply'); break;
      case 'n': write('note'); break;
      case 'a': act('assign', { assignee: 'me' }); break;
      case 'e': act('status', { status: 'resolved' }); break;
      case '?': openDialog(); break;
      default: done = false;
    }
    if (done) e.preventDefault();
  });
})();
