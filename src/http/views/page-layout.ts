/**
 * The one frame every customer-facing page shares. Self-contained on purpose: inline CSS only, no
 * fonts, images or scripts from anywhere (the CSP forbids them, and a review link must not tell a
 * third party that it was opened). Readable on a phone first; honours dark mode.
 * Rules using :has() stand alone: a browser without it drops only that rule, not its neighbours.
 */
import { html, SafeHtml } from './html.ts';
import type { PageStrings } from './page-strings.ts';

const css = `
:root{color-scheme:light dark;--bg:#f5f5f3;--card:#fff;--text:#1c1c1e;--muted:#55555c;--line:#c9c9d0;
--accent:#1a56b0;--on-accent:#fff;--star:#c4c4cc;--star-on:#b58200;--error:#b3261e;--control-line:#86868f}
@media (prefers-color-scheme:dark){:root{--bg:#131315;--card:#1e1e22;--text:#f2f2f4;--muted:#b4b4bc;
--line:#3d3d46;--accent:#8ab4ff;--on-accent:#0b1b33;--star:#4c4c55;--star-on:#ffc83d;--error:#ff8a80;--control-line:#7a7a85}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem 3rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.5rem 1.25rem}
.card>:last-child{margin-bottom:0}
@media (min-width:30rem){.card{padding:2rem}}
.shop{color:var(--muted);font-size:.9rem;font-weight:600;margin:0 0 .75rem;overflow-wrap:anywhere}
h1{font-size:1.4rem;line-height:1.3;margin:0 0 .75rem;overflow-wrap:anywhere}
p{margin:0 0 1rem;overflow-wrap:anywhere}
.muted{color:var(--muted);font-size:.9rem}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
fieldset{border:0;margin:0 0 1.25rem;padding:0;min-width:0}
legend,.field>label{font-weight:600;padding:0;margin-bottom:.35rem}
.hint{font-weight:400;color:var(--muted)}
.stars{position:relative;display:flex;flex-wrap:wrap;gap:.15rem}
.stars input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.stars label{display:inline-flex;align-items:center;justify-content:center;min-width:2.75rem;min-height:2.75rem;font-size:2.4rem;line-height:1;color:var(--star);-webkit-text-stroke:1.5px var(--control-line);cursor:pointer;padding:.15rem .2rem;border-radius:6px;user-select:none}
.stars input:checked+label{color:var(--star-on);-webkit-text-stroke-color:var(--star-on)}
.stars label:has(~input:checked){color:var(--star-on);-webkit-text-stroke-color:var(--star-on)}
.stars input:focus-visible+label{outline:3px solid var(--accent);outline-offset:1px}
@media (hover:hover){.stars:hover label.star{color:var(--star);-webkit-text-stroke-color:var(--control-line)}
.stars:hover label.star:hover{color:var(--star-on);-webkit-text-stroke-color:var(--star-on)}
.stars:hover label.star:has(~label.star:hover){color:var(--star-on);-webkit-text-stroke-color:var(--star-on)}}
.field{margin:0 0 1.25rem}
.field>label{display:block}
input[type=text],textarea{display:block;width:100%;font:inherit;color:inherit;background:transparent;border:1px solid var(--control-line);border-radius:8px;padding:.6rem .7rem}
textarea{min-height:9rem;resize:vertical}
form{margin:0 0 1.5rem}
input:focus-visible,textarea:focus-visible,button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button{font:inherit;font-weight:600;background:var(--accent);color:var(--on-accent);border:0;border-radius:8px;padding:.75rem 1.5rem;cursor:pointer;width:100%}
@media (min-width:30rem){button{width:auto}}
.error{color:var(--error);margin:.35rem 0 0}
.errors{border:2px solid var(--error);border-radius:8px;padding:.75rem 1rem;margin:0 0 1.25rem}
.errors ul{margin:.25rem 0 0;padding-left:1.25rem}
[aria-invalid=true]{border-color:var(--error)}
`;

// Our own constant, trusted as markup: escaping it would turn `>` selectors into `&gt;`.
const style = new SafeHtml(css.trim());

export type PageLayoutInput = {
  strings: PageStrings;
  title: string;
  /** Named at the top when the page belongs to one shop; omitted on pages that must reveal nothing. */
  shopName?: string | null | undefined;
  body: SafeHtml;
};

export function pageLayout({ strings, title, shopName, body }: PageLayoutInput): string {
  return html`<!doctype html>
<html lang="${strings.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${style}</style>
</head>
<body>
<main>
<div class="card">
${shopName ? html`<p class="shop">${shopName}</p>` : ''}
${body}
</div>
</main>
</body>
</html>
`.toString();
}
