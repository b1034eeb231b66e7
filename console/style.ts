// The console's one stylesheet, inline in every page, and its hash for the Content-Security-Policy.
// Apart from the pages so that the headers (src/http/security.ts, on the gateway too) need
// nothing else of the console.
import { createHash } from 'node:crypto';

export const STYLE = `
body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:0 .75rem;color:#111}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;border-bottom:2px solid #235;padding:.5rem 0;margin-bottom:1rem}
header nav{display:flex;flex-wrap:wrap;row-gap:.25rem;min-width:0}header nav a{margin-right:.75rem}header form{display:inline}.who{color:#444;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border-bottom:1px solid #ccc;padding:.3rem;text-align:left;vertical-align:top}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}input,select,textarea{font:inherit;max-width:100%}textarea{width:100%}
button{font:inherit;padding:.3rem .8rem;margin:.3rem .3rem .3rem 0}.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.filters label{margin:0}.note{color:#444}.ok{background:#e6f4ea;padding:.5rem}.err{background:#fde8e8;padding:.5rem}
.st{font-size:.85rem;padding:.1rem .4rem;border-radius:.3rem;background:#eee;white-space:nowrap}.st-feasible{background:#cfe8d4}.st-not-feasible{background:#f6d0d0}.st-under-review{background:#fdf0c4}
img.photo{display:block;max-width:min(100%,22.5rem);height:auto}pre{white-space:pre-wrap;font-size:.85rem;margin:0}.wide{overflow-x:auto}pre.yaml{background:#f4f4f4;padding:.5rem;margin:.5rem 0 1.5rem}
@media (max-width:40rem){table.list thead{display:none}table.list tr{display:block;border-bottom:1px solid #ccc;padding:.3rem 0}table.list td{display:inline-block;border:0;padding:.1rem .4rem .1rem 0}}
`;
/** SHA-256 (base64) of the console's inline stylesheet, for the Content-Security-Policy. */
export const CONSOLE_STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
