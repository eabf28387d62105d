// Bootstrap Italia loads its fonts from this path.
window.__PUBLIC_PATH__ = '/static/vendor/bootstrap-italia/fonts';
