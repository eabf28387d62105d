// Posts with several images (docs/GALLERY.md): when the author picks
// another account, the hint beside the images says how many it takes and
// the empty rows beyond that are hidden. Without this script the form
// works the same: every row is there and the checks stop a post with more
// images than its platform takes.
(function () {
  'use strict';
  const form = document.querySelector('form.post-form');
  const hint = document.getElementById('images-hint-chosen');
  if (!form || !hint) return;
  const have = form.querySelectorAll('.post-image-row').length;
  const slots = Array.from(form.querySelectorAll('.post-image-slot'));
  const more = form.querySelector('.post-images-more');

  function follow(radio) {
    if (!radio || !radio.dataset.imagesHint) return;
    hint.textContent = radio.dataset.imagesHint;
    const free = Number(radio.dataset.maxImages) - have;
    let shownMore = 0;
    for (const slot of slots) {
      const file = slot.querySelector('input[type=file]');
      const keep = Number(slot.dataset.n) <= free || (file && file.files.length > 0);
      slot.hidden = !keep;
      if (keep && more && more.contains(slot)) shownMore++;
    }
    if (more) more.hidden = shownMore === 0;
  }

  form.addEventListener('change', (ev) => {
    if (ev.target.name === 'channel') follow(ev.target);
  });
  follow(form.querySelector('input[name=channel]:checked'));
})();
