/**
 * The admin page's stylesheet and its one tiny script (the copy button of a
 * new client's secret), served from its own origin so the page's CSP allows
 * only 'self' for styles and scripts: no inline code at all.
 */
import { THEME_CSS } from '../views/theme.js';

export const ADMIN_CSS = `${THEME_CSS}
.skip{position:absolute;left:-999px;top:.5rem;background:#fff;padding:.5rem 1rem;border-radius:6px;z-index:2}
.skip:focus{left:.5rem}
.wrap{max-width:64rem;margin:0 auto;padding:0 1.25rem}
.bar{background:#111827;color:#fff}
.bar .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;min-height:3.5rem}
.brand{color:#fff;font-weight:700;text-decoration:none;font-size:1.1rem;letter-spacing:.01em}
.brand:hover{color:#fff}
.brand span{font-weight:400;color:#d1d5db}
.bar nav{display:flex;flex-wrap:wrap;gap:.25rem;flex:1}
.bar nav a{color:#e5e7eb;text-decoration:none;padding:.45rem .75rem;border-radius:6px}
.bar nav a:hover{background:#1f2937;color:#fff}
.bar nav a[aria-current=page]{background:#374151;color:#fff;font-weight:600}
.bar a:focus-visible,.bar button:focus-visible{box-shadow:0 0 0 3px #111827,0 0 0 6px #93c5fd}
.bar button.secondary{background:transparent;color:#fff;border-color:#9ca3af}
.bar button.secondary:hover{background:#1f2937}
main.wrap{padding-top:1.75rem;padding-bottom:3rem}
.head{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.75rem;margin-bottom:1rem}
.head h1{margin:0}
.card{background:var(--card);border-radius:var(--radius);box-shadow:0 1px 2px #0000000f,0 2px 8px #00000012;padding:1.5rem;margin-bottom:1.5rem}
.card>h2:first-child{margin-top:0}
.table-wrap{overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:.95rem}
th,td{text-align:left;padding:.65rem .75rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
tbody tr:hover{background:#f9fafb}
td .actions{margin:0;gap:.5rem;flex-wrap:nowrap}
.tag{display:inline-block;white-space:nowrap;padding:.05rem .5rem;margin:.1rem .2rem .1rem 0;border-radius:999px;background:#eef2ff;color:#3730a3;font-size:.8rem;font-weight:600}
.tag.grey{background:#f3f4f6;color:#374151}
.empty{padding:2rem;text-align:center;color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:0 1.5rem}
fieldset{border:1px solid #e5e7eb;border-radius:8px;padding:.5rem 1rem 1rem;margin:1.25rem 0 0}
legend{font-weight:700;padding:0 .4rem}
.options{display:flex;flex-wrap:wrap;gap:0 2rem}
.wide{margin-top:.25rem}
.switches{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:0 1.5rem;margin-top:1rem;padding-top:.5rem;border-top:1px solid #e5e7eb}
.check{display:flex;align-items:flex-start;gap:.6rem;font-weight:400;margin:.6rem 0}
.check input{width:1.15rem;height:1.15rem;margin:.2rem 0 0;flex:none;accent-color:var(--primary)}
.check span small{display:block}
.hint{font-size:.85rem;color:var(--muted);margin:.25rem 0 0}
.secret{display:flex;gap:.5rem;align-items:stretch;flex-wrap:wrap}
.secret input{flex:1 1 16rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.signin{max-width:26rem;margin:10vh auto 0}
@media (max-width:640px){.bar .wrap{padding-top:.5rem;padding-bottom:.5rem}.bar form{margin-left:auto}.bar nav{order:3;flex-basis:100%}.bar nav a{padding:.35rem .55rem}}
@media (max-width:480px){.wrap{padding:0 .75rem}.card{padding:1rem}.signin{margin-top:1rem}}
.signin h1{margin-bottom:.25rem}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0}
dl.kv dt{font-weight:600;color:var(--muted)}
dl.kv dd{margin:0;overflow-wrap:anywhere}
.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end}
.filters>div{flex:1 1 12rem}
.filters .actions{margin-top:1rem}
`;

/**
 * Copies the value named by a button's data-copy (an element id) and says so
 * in the button's live region. Falls back to selecting the text where the
 * Clipboard API is unavailable (plain http on a non-local host).
 */
export const COPY_JS = `document.addEventListener('click', async function (event) {
  var button = event.target.closest('button[data-copy]');
  if (!button) return;
  var field = document.getElementById(button.getAttribute('data-copy'));
  var status = document.getElementById(button.getAttribute('data-status'));
  if (!field) return;
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = 'Copied to the clipboard.';
  } catch (err) {
    field.focus();
    field.select();
    if (status) status.textContent = 'Selected: press Ctrl+C (or Cmd+C) to copy.';
  }
});
`;
