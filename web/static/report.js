// The public report form: "Use my location" fills in the coordinates.
(function () {
  'use strict';
  var b = document.querySelector('[data-locate]');
  if (!b || !navigator.geolocation) return;
  b.hidden = false;
  b.addEventListener('click', function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById('lat').value = p.coords.latitude.toFixed(6);
      document.getElementById('long').value = p.coords.longitude.toFixed(6);
    });
  });
})();
