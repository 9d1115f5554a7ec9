// Boot glue for the wasm app: the Module object Emscripten's imc.js reads, a loading indicator,
// and a visible message (with what to do) if the app cannot start.
'use strict';
(function () {
  const canvas = document.getElementById('canvas');
  const loading = document.getElementById('loading');
  const fatal = document.getElementById('fatal');
  function showFatal(text) {
    loading.hidden = true;
    fatal.hidden = false;
    fatal.textContent = text;
  }
  window.addEventListener('error', (e) => {
    if (e.target && e.target.tagName === 'SCRIPT') {
      showFatal('Could not load ' + e.target.src + '.\nBuild the web interface (make web) and serve it with `imc serve`.');
    }
  }, true);
  window.Module = {
    canvas: canvas,
    print: (text) => console.log(text),
    printErr: (text) => console.warn(text),
    setStatus: (text) => { if (text) document.getElementById('loading-text').textContent = text; },
    onRuntimeInitialized: () => { loading.hidden = true; canvas.focus(); },
    onAbort: (what) => showFatal('The app stopped: ' + what + '\nReload the page; if it happens again, report it with the browser console log.'),
  };
  // Keyboard focus stays on the canvas so replay shortcuts work after clicks elsewhere.
  window.addEventListener('hashchange', () => window.location.reload());
})();
