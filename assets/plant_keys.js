// Arrow keys between the plant selector's search field and its options (woms_app/components/plant_selector.py):
// one document listener, installed once. A file, not an inline script: the Content-Security-Policy allows scripts
// from the app's own origin only.
(() => {
  if (window.__womsPlantKeys) return; window.__womsPlantKeys = true;
  document.addEventListener('keydown', (ev) => {
    const t = ev.target; if (!t || !t.closest) return;
    const list = document.getElementById('plant-selector-list'); if (!list) return;
    const opts = Array.from(list.querySelectorAll('[role=option]')); if (!opts.length) return;
    const inSearch = t.closest('[data-testid=plant-selector-search]'); const i = opts.indexOf(t);
    let next = null;
    if (inSearch && ev.key === 'ArrowDown') next = opts[0];
    else if (i >= 0 && ev.key === 'ArrowDown') next = opts[Math.min(i + 1, opts.length - 1)];
    else if (i >= 0 && ev.key === 'ArrowUp') next = i === 0 ? document.querySelector('[data-testid=plant-selector-search] input, input[data-testid=plant-selector-search]') : opts[i - 1];
    else if (i >= 0 && ev.key === 'Home') next = opts[0];
    else if (i >= 0 && ev.key === 'End') next = opts[opts.length - 1];
    if (next) { ev.preventDefault(); next.focus(); }
  });
})();
