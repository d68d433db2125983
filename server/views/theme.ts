/**
 * The one design language of every page handoff draws: the end-user pages
 * (login, consent, errors, logout) inline it, the admin web page serves it
 * as a stylesheet. Colours meet WCAG AA contrast on their backgrounds
 * (text ≥ 7:1, buttons ≥ 4.5:1), and every control shows a visible focus ring.
 */
export const THEME_CSS = `
:root{--bg:#f3f4f6;--card:#fff;--text:#111827;--muted:#4b5563;--line:#d1d5db;--primary:#1d4ed8;--primary-dark:#1e3a8a;--danger:#b91c1c;--ok:#166534;--ok-bg:#ecfdf3;--err-bg:#fef2f2;--radius:10px;--focus:0 0 0 3px #fff,0 0 0 6px #1d4ed8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);background:var(--bg)}
h1{font-size:1.4rem;line-height:1.3;margin:0 0 .75rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
p{margin:.5rem 0}
a{color:var(--primary)}
a:hover{color:var(--primary-dark)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin:1rem 0 .3rem}
input[type=text],input[type=password],input[type=number],input[type=url],select,textarea{width:100%;padding:.6rem .7rem;font:inherit;color:inherit;background:#fff;border:1px solid #6b7280;border-radius:6px}
textarea{min-height:5rem;resize:vertical;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
input:focus-visible,select:focus-visible,textarea:focus-visible,button:focus-visible,a:focus-visible,.check input:focus-visible{outline:none;box-shadow:var(--focus)}
a:focus-visible{border-radius:3px}
.btn,button{display:inline-flex;align-items:center;justify-content:center;gap:.4rem;min-height:2.75rem;padding:.55rem 1.1rem;font:inherit;font-weight:600;border-radius:6px;border:1px solid var(--primary);background:var(--primary);color:#fff;cursor:pointer;text-decoration:none}
.btn:hover,button:hover{background:var(--primary-dark);border-color:var(--primary-dark);color:#fff}
.btn.secondary,button.secondary{background:#fff;color:var(--primary-dark);border-color:#6b7280}
.btn.secondary:hover,button.secondary:hover{background:#eef2ff;color:var(--primary-dark)}
.btn.danger,button.danger{background:var(--danger);border-color:var(--danger);color:#fff}
.btn.danger:hover,button.danger:hover{background:#7f1d1d;border-color:#7f1d1d}
.btn.small,button.small{min-height:2.25rem;padding:.3rem .75rem;font-size:.9rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem;align-items:center}
.muted,small{color:var(--muted)}
.fine{font-size:.85rem;color:var(--muted);margin-top:1.25rem}
.alert{padding:.75rem 1rem;border-radius:6px;border:1px solid;margin:0 0 1rem}
.alert.error{background:var(--err-bg);border-color:#fca5a5;color:#7f1d1d}
.alert.ok{background:var(--ok-bg);border-color:#86efac;color:var(--ok)}
.field-error{color:var(--danger);font-weight:600;font-size:.9rem;margin:.3rem 0 0}
[aria-invalid=true]{border-color:var(--danger)!important;border-width:2px!important}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
