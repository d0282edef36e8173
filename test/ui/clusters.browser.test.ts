import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskListResponse } from '../../lambda/core/api-types.js';
import { AmbiguousClusterError, type ClusterRef } from '../../lambda/core/cluster-id.js';
import { startUiServer, type UiServer } from '../../lambda/ui/host/ui-server.js';
import { CHROMIUM_PATH, type Headless, launchHeadless } from './browser.js';
import { RecordingSource } from './ui-server-harness.js';

const TIMEOUT = 90_000;
const HOME_PROD = 'arn:aws:ecs:us-east-1:123456789012:cluster/prod';
const OTHER_PROD = 'arn:aws:ecs:us-west-2:222233334444:cluster/prod';
const HOME_TASK = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER_TASK = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

/** Two clusters named `prod` in two accounts, each with a task of its own; a bare `prod` is ambiguous. */
class TwoProdSource extends RecordingSource {
  override async listClusters() {
    this.calls.push({ method: 'listClusters', args: [] });
    const cluster = (clusterArn: string, account: string, region: string) => ({
      clusterName: 'prod',
      account,
      region,
      clusterArn,
      lastSeenAt: '2021-12-03T00:00:00.000Z',
    });
    return {
      clusters: [
        cluster(HOME_PROD, '123456789012', 'us-east-1'),
        cluster(OTHER_PROD, '222233334444', 'us-west-2'),
      ],
    };
  }

  override async listTasks(cluster: ClusterRef): Promise<TaskListResponse> {
    this.calls.push({ method: 'listTasks', args: [cluster] });
    if (cluster.account === undefined) throw new AmbiguousClusterError('prod', [HOME_PROD, OTHER_PROD]);
    const taskId = cluster.account === '222233334444' ? OTHER_TASK : HOME_TASK;
    return {
      tasks: [
        {
          taskId,
          taskArn: `arn:aws:ecs:${cluster.region}:${cluster.account}:task/prod/${taskId}`,
          lastStatus: 'STOPPED',
        },
      ],
    };
  }
}

describe.skipIf(!CHROMIUM_PATH)('the clusters page in Chromium, with two clusters of one name', () => {
  let browser: Headless;
  let server: UiServer;
  const source = new TwoProdSource();

  beforeAll(async () => {
    server = await startUiServer({ source, port: 0 });
    browser = await launchHeadless();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, TIMEOUT);

  const open = (path: string): Promise<Page> => browser.open(`${server.url}${path}`);

  it(
    "lists both prod clusters with their account and region, and opens each one's own tasks by its ARN",
    async () => {
      // Prepare
      const page = await open('/ui/');
      await page.waitForSelector('tr[data-cluster-arn]');
      const rows = await page
        .locator('table.list tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)),
        );

      // Act
      await page.click(`tr[data-cluster-arn="${OTHER_PROD}"] a`);
      await page.waitForSelector(`tr[data-task-id="${OTHER_TASK}"]`);
      const tasksUrl = page.url();
      const heading = await page.locator('h1').textContent();
      await page.click(`tr[data-task-id="${OTHER_TASK}"] a`);
      await page.waitForURL(/\/tasks\//);
      const taskUrl = page.url();
      const crumb = await page.locator('nav.crumbs a').nth(1).textContent();
      await page.close();

      // Assess
      expect(rows).toEqual([
        ['prod', '123456789012', 'us-east-1'],
        ['prod', '222233334444', 'us-west-2'],
      ]);
      expect(tasksUrl).toBe(`${server.url}/ui/clusters/${encodeURIComponent(OTHER_PROD)}`);
      expect(heading).toBe('Tasks of prod (222233334444 us-west-2)');
      expect(taskUrl).toBe(`${server.url}/ui/clusters/${encodeURIComponent(OTHER_PROD)}/tasks/${OTHER_TASK}`);
      expect(crumb).toBe('prod (222233334444 us-west-2)');
      expect(source.calls).toContainEqual({
        method: 'listTasks',
        args: [{ name: 'prod', account: '222233334444', region: 'us-west-2' }],
      });
      expect(source.calls).not.toContainEqual({ method: 'listTasks', args: [{ name: 'prod' }] });
    },
    TIMEOUT,
  );

  it(
    'offers each cluster that carries an ambiguous name, keeping the filters',
    async () => {
      // Prepare
      const page = await open('/ui/clusters/prod?failed=true');
      await page.waitForSelector('.ambiguous li a');
      const message = await page.locator('.error').textContent();
      const offered = await page.locator('.ambiguous li a').allTextContents();

      // Act
      await page.click('.ambiguous li a >> nth=1');
      await page.waitForSelector(`tr[data-task-id="${OTHER_TASK}"]`);
      const url = page.url();
      await page.close();

      // Assess
      expect(message).toContain('cluster prod is ambiguous');
      expect(offered).toEqual(['prod (123456789012 us-east-1)', 'prod (222233334444 us-west-2)']);
      expect(url).toBe(`${server.url}/ui/clusters/${encodeURIComponent(OTHER_PROD)}?failed=true`);
    },
    TIMEOUT,
  );
});
