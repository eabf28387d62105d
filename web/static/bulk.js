// Bulk work in the inbox: the list's boxes choose conversations (Shift+click
// chooses a range), a box in the toolbar the whole page, and then a link the
// whole view, including the conversations not loaded yet. The toolbar is a
// plain form (it works without this script: the server asks to confirm,
// then applies); this script only helps to choose, keeps the choice across
// the list's live redraws, and says how many are chosen.
(function () {
  'use strict';
  var form = document.getElementById('bulk-form');
  var bar = document.getElementById('bulk-bar');
  if (!form || !bar) return;
  var en = document.documentElement.lang === 'en';
  var selected = new Set();
  var last = null; // the box clicked last, for Shift+click
  var all = document.getElementById('bulk-all');
  var count = document.getElementById('bulk-count');
  var allRow = all ? all.closest('.bulk-all') : null;

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('#conversation-list input[type=checkbox][name=id]'));
  }
  function say(text) {
    var live = document.getElementById('live-status');
    if (!live) return;
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 30);
  }

  // The toolbar's own controls, made here: a box for the whole page, and
  // the link to the whole view.
  var pageRow = document.createElement('div');
  pageRow.className = 'bulk-page';
  pageRow.innerHTML = '<input type="checkbox" id="bulk-page"> <label for="bulk-page"></label>';
  var pageBox = pageRow.querySelector('input');
  pageRow.querySelector('label').textContent = en ? 'Select every conversation on the page' : 'Seleziona tutte le conversazioni della pagina';
  var viewRow = document.createElement('p');
  viewRow.className = 'bulk-view';
  viewRow.hidden = true;
  var viewLink = document.createElement('button');
  viewLink.type = 'button';
  viewLink.className = 'btn btn-link p-0 bulk-view-link';
  viewLink.id = 'bulk-view-link';
  var viewState = document.createElement('span');
  viewState.className = 'bulk-view-state';
  viewRow.appendChild(viewLink);
  viewRow.appendChild(viewState);
  if (allRow) {
    allRow.hidden = true; // the link below stands for it
    allRow.insertAdjacentElement('beforebegin', pageRow);
    allRow.insertAdjacentElement('beforebegin', viewRow);
  }

  function viewCount() {
    var n = all ? parseInt(all.dataset.count, 10) : 0;
    return n > 0 ? n : 0;
  }

  function update(announce) {
    var list = boxes();
    // what left the list (a live redraw) is no longer chosen
    var present = new Set(list.map(function (b) { return b.value; }));
    selected.forEach(function (id) { if (!present.has(id)) selected.delete(id); });
    list.forEach(function (b) { b.checked = selected.has(b.value); });
    var n = selected.size;
    var whole = all && all.checked;
    var shown = whole ? viewCount() : n;
    var text = shown > 0 ? '(' + redazionePlural(count.dataset.forms, shown) + ')' : '';
    if (count && count.textContent !== text) count.textContent = text;
    pageBox.checked = list.length > 0 && n === list.length;
    pageBox.indeterminate = n > 0 && n < list.length;
    var total = viewCount();
    viewRow.hidden = !(pageBox.checked && total > list.length);
    if (!viewRow.hidden) {
      viewLink.textContent = whole
        ? (en ? 'Choose only the loaded ones' : 'Scegli solo quelle caricate')
        : redazionePlural(all.dataset.label, total);
      viewState.textContent = whole
        ? (en ? ' — every conversation of this view is chosen.' : ' — sono scelte tutte le conversazioni di questa vista.')
        : '';
    } else if (all) {
      all.checked = false;
    }
    if (n > 0) bar.open = true;
    if (announce && count) say(count.textContent.replace(/[()]/g, '') || (en ? 'No conversation selected' : 'Nessuna conversazione selezionata'));
  }

  document.addEventListener('click', function (e) {
    var box = e.target;
    if (!box.matches || !box.matches('#conversation-list input[type=checkbox][name=id]')) return;
    var list = boxes();
    if (e.shiftKey && last && list.indexOf(last) >= 0) {
      var a = list.indexOf(last), b = list.indexOf(box);
      var lo = Math.min(a, b), hi = Math.max(a, b);
      for (var i = lo; i <= hi; i++) {
        if (box.checked) selected.add(list[i].value); else selected.delete(list[i].value);
      }
    } else if (box.checked) {
      selected.add(box.value);
    } else {
      selected.delete(box.value);
    }
    last = box;
    update(true);
  });
  pageBox.addEventListener('change', function () {
    boxes().forEach(function (b) {
      if (pageBox.checked) selected.add(b.value); else selected.delete(b.value);
    });
    update(true);
  });
  viewLink.addEventListener('click', function () {
    all.checked = !all.checked;
    update(true);
  });

  // The list is redrawn live (app.js) and grows by pages: the choice is
  // put back on the new boxes.
  var main = document.querySelector('main') || document.body;
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      var added = records[i].addedNodes;
      for (var j = 0; j < added.length; j++) {
        var n = added[j];
        if (n.nodeType === 1 && (n.matches('input[name=id]') || n.querySelector('input[name=id]'))) { update(false); return; }
      }
    }
  }).observe(main, { childList: true, subtree: true });

  // Enter in a text field sends its own row's action (without this script,
  // the first of the form's buttons).
  form.addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' || e.target.tagName !== 'INPUT' || e.target.type === 'checkbox') return;
    var row = e.target.closest('.bulk-action');
    var btn = row && row.querySelector('button[name=action]');
    if (btn) {
      e.preventDefault();
      btn.click();
    }
  });
  // The date and time are asked for when they are chosen.
  var snooze = document.getElementById('bulk-snooze');
  var until = document.getElementById('bulk-until');
  if (snooze && until) {
    var untilLabel = form.querySelector('label[for=bulk-until]');
    var sync = function () {
      var custom = snooze.value === 'custom';
      until.hidden = !custom;
      if (untilLabel) untilLabel.hidden = !custom;
    };
    snooze.addEventListener('change', sync);
    sync();
  }
  update(false);
})();
