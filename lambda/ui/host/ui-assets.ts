/**
 * The browser page's files, built by scripts/build.mjs into dist/cli/ui/, and their answers under `/ui/`:
 * the same page for every route (the script reads the route from the address), the script and the style
 * sheet. Local mode and `tracer ui` both serve them. The page loads nothing from anywhere else, and the
 * Content-Security-Policy holds it to that.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstTracePagePath } from '../app/trace-paths.js';

/** Where the page lives on both servers. */
export const UI_PREFIX = '/ui/';

/** Only the page's own server, for everything; no frames, no forms elsewhere. */
export const UI_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The page's HTML; a task page's also starts reading the first trace page while the script loads. */
const indexHtml = (preload: string | undefined) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>tracer</title>
<link rel="icon" href="data:,">
${preload ? `<link rel="preload" as="fetch" crossorigin="anonymous" href="${escapeAttribute(preload)}">\n` : ''}<link rel="stylesheet" href="/ui/assets/app.css">
<script type="module" src="/ui/assets/app.js"></script>
</head>
<body>
<main id="app"></main>
<noscript>tracer's page needs JavaScript; the same answers are at /clusters as JSON.</noscript>
</body>
</html>
`;

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/**
 * The folder of the built page: `ui/` beside the built CLI, or `dist/cli/ui/` of the repository when
 * tracer runs from its sources. Undefined when the page was never built.
 */
export function findUiDir(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let depth = 0; depth < 6; depth++) {
    for (const candidate of [join(dir, 'ui'), join(dir, 'dist', 'cli', 'ui')]) {
      if (existsSync(join(candidate, 'app.js'))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Whether a path is the page's: `/ui` or anything under `/ui/`. */
export function isUiPath(pathname: string): boolean {
  return pathname === '/ui' || pathname.startsWith(UI_PREFIX);
}

/** Serves the page's files from a folder, read once. */
export class UiAssets {
  private readonly assets = new Map<string, Asset>();

  constructor(private readonly dir: string | undefined = findUiDir()) {}

  /**
   * Answers a GET or HEAD of a `/ui` path: the page, an asset, a redirect from `/ui`, or 404.
   * @example if (isUiPath(url.pathname)) assets.answer(url.pathname, method, response, url.search);
   */
  answer(pathname: string, method: string, response: ServerResponse, search = ''): void {
    const [status, type, body, headers] = this.pick(pathname, search);
    response.writeHead(status, {
      'Content-Type': type,
      'Content-Length': String(body.length),
      // A rebuilt page is picked up at the next load.
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': UI_CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...headers,
    });
    response.end(method === 'HEAD' ? undefined : body);
  }

  private pick(pathname: string, search: string): [number, string, Buffer, Record<string, string>?] {
    const text = 'text/plain; charset=utf-8';
    if (pathname === '/ui') return [308, text, Buffer.from(`see ${UI_PREFIX}\n`), { Location: UI_PREFIX }];
    if (pathname.startsWith(`${UI_PREFIX}assets/`)) {
      const asset = this.asset(pathname.slice(`${UI_PREFIX}assets/`.length));
      return asset ? [200, asset.type, asset.body] : [404, text, Buffer.from('not found\n')];
    }
    if (!this.dir) {
      return [503, text, Buffer.from('the page is not built: run npm run build (node scripts/build.mjs)\n')];
    }
    return [
      200,
      'text/html; charset=utf-8',
      Buffer.from(indexHtml(firstTracePagePath(pathname, search)), 'utf8'),
    ];
  }

  private asset(name: string): Asset | undefined {
    const type =
      name === 'app.js'
        ? 'text/javascript; charset=utf-8'
        : name === 'app.css'
          ? 'text/css; charset=utf-8'
          : undefined;
    if (!type || !this.dir) return undefined;
    let asset = this.assets.get(name);
    if (!asset) {
      try {
        asset = { type, body: readFileSync(join(this.dir, name)) };
      } catch {
        return undefined;
      }
      this.assets.set(name, asset);
    }
    return asset;
  }
}
