/**
 * The browser page with a big trace: local mode holds the sample service task with 100,000 more log lines,
 * and headless Chromium opens its timeline with `full=true`. Measured from navigation start: the first
 * screen (timeline and first lines drawn, at the next frame) and the whole trace loaded. Also the page's
 * JS and CSS, gzipped. Needs the system's Chromium; without it the benchmark says so and measures nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import type { Logger } from '../lambda/config/logger.js';
import { startLocalServer } from '../lambda/local/local-server.js';
import type { Benchmark, BenchmarkOutcome } from './support/benchmark.js';
import { runNodeOk } from './support/processes.js';
import { median, percentile, round } from './support/stats.js';
import type { Table } from './support/table.js';

const TASK = '834a5628bef14f2dbb81c7bc0b272160';
const LOG_GROUP = '/ecs/nginx-local';
const LOG_STREAM = `ecs/nginx/${TASK}`;
/** The task ran from 02:06:46.768 to 02:22:28.910; the lines fill that span. */
const RUN_START_MS = Date.parse('2021-12-03T02:06:47.000Z');
const RUN_END_MS = Date.parse('2021-12-03T02:22:28.000Z');
const BATCH_LINES = 25_000;
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silent,
};

function logBatch(from: number, count: number, total: number) {
  const events = Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return {
      timestamp: RUN_START_MS + Math.floor(((RUN_END_MS - RUN_START_MS) * n) / total),
      message: `10.3.1.${n % 250} - - "GET /orders/${n} HTTP/1.1" 200 615 "-" "ELB-HealthChecker/2.0" request ${n}`,
    };
  });
  return { logGroup: LOG_GROUP, logStream: LOG_STREAM, events };
}

export const uiBenchmark: Benchmark = async (context): Promise<BenchmarkOutcome> => {
  const lineCount = context.options.quick ? 20_000 : 100_000;
  const runs = context.options.repeats ?? (context.options.quick ? 3 : 7);
  if (!context.options.skipBuild) {
    context.progress('ui: building the page (node scripts/build.mjs)');
    await runNodeOk([join(context.root, 'scripts', 'build.mjs')], { cwd: context.root });
  }
  const uiDir = join(context.root, 'dist', 'cli', 'ui');
  const gzipped = (name: string) => gzipSync(readFileSync(join(uiDir, name)), { level: 9 }).length;
  const sizes = { jsBytes: gzipped('app.js'), cssBytes: gzipped('app.css') };
  const sizeTable: Table = {
    title: 'The page: JS and CSS, gzipped (level 9)',
    columns: ['asset', 'bytes', 'gzipped bytes'],
    rows: [
      ['app.js', readFileSync(join(uiDir, 'app.js')).length, sizes.jsBytes],
      ['app.css', readFileSync(join(uiDir, 'app.css')).length, sizes.cssBytes],
      ['together', '', sizes.jsBytes + sizes.cssBytes],
    ],
    notes: ['The budget is 150 KiB (153,600 bytes) gzipped.'],
  };
  if (!CHROMIUM) {
    context.progress(
      'ui: no Chromium at /usr/bin/chromium; install Debian’s chromium package to time the page',
    );
    return { tables: [sizeTable], data: { sizes, skipped: 'no chromium' } };
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'tracer-bench-ui-'));
  const profile = await mkdtemp(join(tmpdir(), 'tracer-bench-chromium-'));
  const server = await startLocalServer({
    port: 0,
    dataDir,
    aws: 'off',
    logger: silent,
    logRequest: () => {},
  });
  try {
    context.progress(
      `ui: storing ${lineCount.toLocaleString('en-US')} log lines for task ${TASK.slice(0, 8)}…`,
    );
    for (let from = 0; from < lineCount; from += BATCH_LINES) {
      const answer = await fetch(`${server.url}/logs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(logBatch(from, Math.min(BATCH_LINES, lineCount - from), lineCount)),
      });
      if (!answer.ok) throw new Error(`POST /logs answered ${answer.status}: ${await answer.text()}`);
    }
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
      viewport: { width: 1280, height: 900 },
    });
    const url = `${server.url}/ui/clusters/default/tasks/${TASK}?full=true`;
    const firstScreen: number[] = [];
    const complete: number[] = [];
    let lines = 0;
    try {
      context.progress(`ui: ${runs} page loads of ${url}`);
      for (let run = -1; run < runs; run++) {
        const page = await browser.newPage();
        await page.goto(url, { waitUntil: 'commit' });
        await page.waitForFunction(() => document.getElementById('app')?.dataset.firstScreenMs, undefined, {
          timeout: 60_000,
        });
        await page.waitForFunction(() => document.getElementById('app')?.dataset.traceCompleteMs, undefined, {
          timeout: 120_000,
        });
        const figures = await page.evaluate(() => {
          const data = document.getElementById('app')?.dataset;
          return {
            firstScreenMs: Number(data?.firstScreenMs),
            completeMs: Number(data?.traceCompleteMs),
            svg: document.querySelectorAll('svg.timeline').length,
            rows: document.querySelectorAll('.lines .line').length,
            count: document.querySelector('.count')?.textContent ?? '',
          };
        });
        await page.close();
        if (figures.svg !== 1 || figures.rows === 0) throw new Error('the page drew no timeline or no lines');
        lines = Number(/^(\d+)/.exec(figures.count)?.[1] ?? 0);
        // The first load warms the file cache and the server; it is not counted.
        if (run < 0) continue;
        firstScreen.push(figures.firstScreenMs);
        complete.push(figures.completeMs);
      }
    } finally {
      await browser.close();
    }
    const table: Table = {
      title: `The timeline of a task with ${lineCount.toLocaleString('en-US')} log lines in headless Chromium (${runs} loads, from navigation start)`,
      columns: ['milestone', 'median ms', 'min ms', 'p90 ms'],
      rows: [
        [
          'timeline and first screen of lines drawn',
          round(median(firstScreen)),
          round(Math.min(...firstScreen)),
          round(percentile(firstScreen, 90)),
        ],
        [
          `whole trace loaded (${lines.toLocaleString('en-US')} lines)`,
          round(median(complete)),
          round(Math.min(...complete)),
          round(percentile(complete, 90)),
        ],
      ],
      notes: [
        'Local mode on loopback, full=true. The page reads a first page of 200 lines, draws, then reads the rest 20,000 lines a page.',
        'The goal is the first row under 1,000 ms.',
      ],
    };
    return { tables: [sizeTable, table], data: { sizes, lineCount, lines, runs, firstScreen, complete } };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
};
