import { copyFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSource } from '../../lambda/adapters/http/api-source.js';
import type { Logger } from '../../lambda/config/logger.js';
import { type LocalServer, startLocalServer } from '../../lambda/local/local-server.js';
import { startUiServer } from '../../lambda/ui/host/ui-server.js';
import { call, removeDir, tempDir } from '../local/local-harness.js';
import { CHROMIUM_PATH, type Headless, launchHeadless } from './browser.js';

const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';
const SERVICE_REPLACED = '834a5628bef14f2dbb81c7bc0b272160';
const USER_STOPPED = '84b5991528504856a2f003b7da9b2b82';
const TIMEOUT = 90_000;

const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silent,
};

describe.skipIf(!CHROMIUM_PATH)('the timeline page in Chromium, served by local mode', () => {
  let dataDir: string;
  let server: LocalServer;
  let browser: Headless;
  /** Every URL the pages asked for. */
  const requested: string[] = [];

  beforeAll(async () => {
    dataDir = await tempDir('tracer-ui-');
    server = await startLocalServer({ port: 0, dataDir, aws: 'off', logger: silent, logRequest: () => {} });
    browser = await launchHeadless();
    browser.context.on('request', (request) => requested.push(request.url()));
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await removeDir(dataDir);
  }, TIMEOUT);

  const open = (path: string): Promise<Page> => browser.open(`${server.url}${path}`);

  it(
    'lists the three sample tasks on the cluster page, and filters them by failure',
    async () => {
      // Act
      const page = await open('/ui/clusters/default');
      await page.waitForSelector('tr[data-task-id]');
      const ids = await page
        .locator('tr[data-task-id]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task-id')));
      await page.check('#filter-failed');
      await page.click('form.filters button[type=submit]');
      await page.waitForURL(/failed=true/);
      await page.waitForFunction(() => document.querySelectorAll('tr[data-task-id]').length === 1);
      const failed = await page.locator('tr[data-task-id]').getAttribute('data-task-id');
      await page.close();

      // Assess
      expect(ids.sort()).toEqual([SERVICE_REPLACED, USER_STOPPED, FAILED_PULL].sort());
      expect(failed).toBe(FAILED_PULL);
    },
    TIMEOUT,
  );

  it(
    'draws the failed pull: its phases, its container that never started, its stop code and the diagnosis',
    async () => {
      // Act
      const page = await open(`/ui/clusters/default/tasks/${FAILED_PULL}`);
      await page.waitForSelector('svg.timeline');
      const phases = await page
        .locator('svg.timeline [data-phase]')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-phase')));
      const lanes = await page
        .locator('svg.timeline .lane')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-container')));
      // The last child is the label; the first is its <title>, the tooltip.
      const exit = await page
        .locator('svg.timeline .lane text.exit-code')
        .evaluate((n) => n.lastChild?.textContent);
      const stopCode = await page
        .locator('svg.timeline text.stop-code')
        .evaluate((n) => n.lastChild?.textContent);
      const diagnosis = await page.locator('.diagnosis').textContent();
      const screenshot = process.env.TRACER_UI_SCREENSHOT;
      const shot = join(tmpdir(), `tracer-timeline-${process.pid}.png`);
      await page.screenshot({ path: shot });
      if (screenshot) await copyFile(shot, screenshot);
      await page.close();

      // Assess
      expect(phases).toEqual(['pending and pull', 'stopping', 'deprovisioning']);
      expect(lanes).toEqual(['nginx']);
      expect(exit).toMatch(/^never started · CannotPullContainerError/);
      expect(stopCode).toBe('TaskFailedToStart');
      expect(diagnosis).toContain('Diagnosis (image-pull): Image pull failed');
    },
    TIMEOUT,
  );

  it(
    'draws every phase, the exit code, the log density and the SERVICE events of a task that ran',
    async () => {
      const page = await open(`/ui/clusters/default/tasks/${SERVICE_REPLACED}`);
      await page.waitForSelector('svg.timeline');
      const phases = await page
        .locator('svg.timeline [data-phase]')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-phase')));
      const exit = await page.locator('svg.timeline text.exit-code').getAttribute('data-exit-code');
      const bars = await page.locator('svg.timeline .density rect').count();
      const markers = await page.locator('svg.timeline .marker.service').count();
      const banner = await page.locator('.diagnosis').count();
      await page.close();

      expect(phases).toEqual(['provisioning', 'pending and pull', 'running', 'stopping', 'deprovisioning']);
      expect(exit).toBe('0');
      expect(bars).toBeGreaterThan(1);
      expect(markers).toBeGreaterThan(0);
      expect(banner).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'filters the lines by source and text, keeps the filter in the link, and opens such a link as it was',
    async () => {
      // Act
      const page = await open(`/ui/clusters/default/tasks/${SERVICE_REPLACED}`);
      await page.waitForSelector('.lines .line');
      await page.selectOption('#line-source', 'SERVICE');
      await page.waitForURL(/source=SERVICE/);
      const sources = await page.locator('.lines .line .source').allTextContents();
      await page.fill('#line-search', 'unable to place');
      await page.waitForURL(/q=unable/);
      await page.waitForFunction(() => document.querySelectorAll('.lines .line').length === 1);
      const link = page.url();
      await page.close();
      const linked = await open(link.replace(server.url, ''));
      await linked.waitForSelector('.lines .line');
      await linked.waitForFunction(() => document.querySelectorAll('.lines .line').length === 1);
      const selected = await linked.locator('#line-source').inputValue();
      const message = await linked.locator('.lines .line .message').textContent();
      await linked.close();

      // Assess
      expect(new Set(sources)).toEqual(new Set(['SERVICE']));
      expect(selected).toBe('SERVICE');
      expect(message).toContain('was unable to place a task');
    },
    TIMEOUT,
  );

  it(
    'jumps to the lines at the time clicked on the timeline, and from the keyboard',
    async () => {
      const page = await open(`/ui/clusters/default/tasks/${SERVICE_REPLACED}`);
      const svg = await page.waitForSelector('svg.timeline');
      const box = await svg.boundingBox();
      if (!box) throw new Error('the timeline has no box');
      // Near the end of the axis: the task's stop, far below the first screen of lines.
      await page.mouse.click(box.x + box.width - 40, box.y + box.height / 2);
      const clicked = Number(await page.locator('.line.highlighted').getAttribute('data-epoch-ms'));
      await page.focus('svg.timeline');
      await page.keyboard.press('Home');
      const home = Number(await page.locator('.line.highlighted').getAttribute('data-epoch-ms'));
      await page.close();

      expect(clicked).toBeGreaterThan(Date.parse('2021-12-03T02:22:00Z'));
      expect(home).toBe(Date.parse('2021-12-03T02:06:21.633Z'));
    },
    TIMEOUT,
  );

  it(
    'follows the system to dark mode, and opens a task from the keyboard',
    async () => {
      // Prepare
      const page = await open('/ui/clusters/default?failed=true');
      await page.waitForSelector('tr[data-task-id]');
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();

      // Act
      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = await background();
      await page.focus(`tr[data-task-id="${FAILED_PULL}"] a`);
      await page.keyboard.press('Enter');
      await page.waitForSelector('svg.timeline');
      const url = page.url();
      await page.close();

      // Assess
      expect(light).toBe('rgb(255, 255, 255)');
      expect(dark).toBe('rgb(21, 25, 30)');
      expect(url).toBe(`${server.url}/ui/clusters/default/tasks/${FAILED_PULL}`);
    },
    TIMEOUT,
  );

  it(
    'follows the breadcrumbs from a task to its cluster and to the clusters',
    async () => {
      const page = await open(`/ui/clusters/default/tasks/${FAILED_PULL}`);
      await page.click('nav.crumbs a:text("default")');
      await page.waitForURL(`${server.url}/ui/clusters/default`);
      await page.waitForSelector('tr[data-task-id]');
      await page.click('nav.crumbs a:text("clusters")');
      await page.waitForURL(`${server.url}/ui/`);
      const cluster = await page.locator('table.list td a').first().textContent();
      await page.goBack();
      await page.waitForSelector('tr[data-task-id]');
      await page.close();

      expect(cluster).toBe('default');
    },
    TIMEOUT,
  );

  it(
    'shows the same page through tracer ui, whose server reads the API for it',
    async () => {
      // Prepare
      const source = new ApiSource({ endpoint: server.url });
      const ui = await startUiServer({ source, port: 0 });
      try {
        // Act
        const page = await browser.context.newPage();
        await page.goto(`${ui.url}/ui/clusters/default/tasks/${FAILED_PULL}`);
        await page.waitForSelector('svg.timeline');
        const diagnosis = await page.locator('.diagnosis').textContent();
        const phases = await page.locator('svg.timeline [data-phase]').count();
        await page.close();

        // Assess
        expect(diagnosis).toContain('Diagnosis (image-pull)');
        expect(phases).toBe(3);
      } finally {
        await ui.close();
        source.close();
      }
    },
    TIMEOUT,
  );

  it(
    'reads a long trace page after page, each asked for once, and downloads exactly the lines it shows',
    async () => {
      // Prepare: enough lines for the first page, one whole later page and a part of another.
      const path = `/ui/clusters/default/tasks/${SERVICE_REPLACED}?full=true`;
      const countOf = async (page: Page) => {
        await page.waitForSelector('#app[data-trace="complete"]');
        return Number(/^(\d+) lines$/.exec((await page.locator('.count').textContent()) ?? '')?.[1]);
      };
      const before = await open(path);
      const sampleLines = await countOf(before);
      await before.close();
      const added = 21_000;
      const runStartMs = Date.parse('2021-12-03T02:07:00.000Z');
      const events = Array.from({ length: added }, (_, n) => ({
        timestamp: runStartMs + n * 40,
        message: `GET /orders/${n} 200 request ${n}`,
      }));
      const posted = await call(
        server.url,
        'POST',
        '/logs',
        JSON.stringify({ logGroup: '/ecs/nginx-local', logStream: `ecs/nginx/${SERVICE_REPLACED}`, events }),
      );
      expect(posted.status).toBe(200);
      const from = requested.length;

      // Act
      const page = await open(path);
      const shown = await countOf(page);
      const [text] = await Promise.all([page.waitForEvent('download'), page.click('text=Download text')]);
      const [json] = await Promise.all([page.waitForEvent('download'), page.click('text=Download JSON')]);
      const textLines = (await readFile(await text.path(), 'utf8')).split('\n').filter((l) => l !== '');
      const jsonLines = (JSON.parse(await readFile(await json.path(), 'utf8')) as { lines: unknown[] }).lines;
      await page.close();

      // Assess
      const cursors = requested
        .slice(from)
        .filter((url) => url.includes('/trace?'))
        .map((url) => new URL(url).searchParams.get('cursor'));
      expect(shown).toBe(sampleLines + added);
      expect(cursors).toHaveLength(3);
      expect(new Set(cursors).size).toBe(3);
      expect(textLines).toHaveLength(shown);
      expect(textLines.filter((l) => l.endsWith(`request ${added - 1}`))).toHaveLength(1);
      expect(jsonLines).toHaveLength(shown);
    },
    TIMEOUT,
  );

  it('made no request to anything but its own server', () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !/^http:\/\/127\.0\.0\.1:\d+\//.test(url))).toEqual([]);
  });
});
