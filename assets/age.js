// "updated N min ago" of WOMS's live figures: fills every [data-age-of] element from its ISO instant and keeps it
// current without asking the server (woms_app/components/metrics.py, age_label is the same rule in Python).
// A file, not an inline script: the Content-Security-Policy allows scripts from the app's own origin only.
(() => {
  const label = (iso) => {
    const t = Date.parse(iso); if (isNaN(t)) return '';
    const s = Math.max(0, Math.round((Date.now() - t) / 1000));
    if (s < 60) return 'updated just now';
    const m = Math.floor(s / 60); if (m < 60) return `updated ${m} min ago`;
    const h = Math.floor(m / 60); if (h < 48) return `updated ${h} h ago`;
    return `updated ${Math.floor(h / 24)} days ago`;
  };
  const fill = (root) => (root.querySelectorAll ? root : document).querySelectorAll('[data-age-of]').forEach(e => {
    const iso = e.getAttribute('data-age-of'); const text = iso ? label(iso) : '';
    if (e.textContent !== text) e.textContent = text;
    if (iso) e.setAttribute('title', new Date(Date.parse(iso)).toLocaleString());
  });
  const start = () => {
    fill(document);
    new MutationObserver(() => fill(document)).observe(document.body,
      {subtree: true, childList: true, attributes: true, attributeFilter: ['data-age-of']});
    setInterval(() => fill(document), 20000);
  };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
