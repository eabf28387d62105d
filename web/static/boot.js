// Bootstrap Italia loads its fonts from this path.
window.__PUBLIC_PATH__ = '/static/vendor/bootstrap-italia/fonts';
// The page runs scripts: the main menu may fold behind its button (app.css
// shows it as a plain list without this class).
document.documentElement.classList.add('js');
