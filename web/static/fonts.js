// Bootstrap Italia's bundle does not load its fonts by itself.
if (window.bootstrap && typeof window.bootstrap.loadFonts === 'function') {
  window.bootstrap.loadFonts('/static/vendor/bootstrap-italia/fonts');
}
