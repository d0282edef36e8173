/** The cluster list and a cluster's task list. */
import type { TaskListItem } from '../../core/api-types.js';
import { ApiError, listClusters, listTasks, queryString } from './api.js';
import { formatTime, h } from './dom.js';
import { clusterLabel, clustersHref, taskHref, tasksHref } from './router.js';

/** What a page needs from the shell: how to follow an in-page link. */
export interface PageContext {
  readonly navigate: (href: string) => void;
  readonly setTitle: (title: string) => void;
}

/** A link that the page follows without reloading. */
export function navLink(
  context: PageContext,
  href: string,
  ...children: Array<Node | string>
): HTMLAnchorElement {
  return h(
    'a',
    {
      href,
      onclick: (event) => {
        const mouse = event as MouseEvent;
        if (mouse.button !== 0 || mouse.metaKey || mouse.ctrlKey || mouse.shiftKey || mouse.altKey) return;
        event.preventDefault();
        context.navigate(href);
      },
    },
    ...children,
  );
}

export function breadcrumbs(context: PageContext, cluster?: string, task?: string): HTMLElement {
  const parts: Array<Node | string> = [navLink(context, clustersHref(), 'clusters')];
  if (cluster !== undefined)
    parts.push(
      ' / ',
      task ? navLink(context, tasksHref(cluster), clusterLabel(cluster)) : clusterLabel(cluster),
    );
  if (task !== undefined) parts.push(' / ', task);
  return h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumbs' }, ...parts);
}

/** The error; for an ambiguous cluster name, a link to the same page of each cluster that carries it. */
export function errorBox(
  error: unknown,
  context?: PageContext,
  hrefOf?: (clusterArn: string) => string,
): HTMLElement {
  const box = h(
    'p',
    { class: 'error', role: 'alert' },
    error instanceof Error ? error.message : String(error),
  );
  const arns = error instanceof ApiError ? error.clusterArns : undefined;
  if (!arns || !context || !hrefOf) return box;
  const links = arns.map((arn) => h('li', {}, navLink(context, hrefOf(arn), clusterLabel(arn))));
  return h('div', { class: 'ambiguous' }, box, h('ul', {}, ...links));
}

/** `/ui/`: the clusters tracer has recorded. */
export async function clustersPage(root: HTMLElement, context: PageContext): Promise<void> {
  context.setTitle('clusters');
  root.replaceChildren(breadcrumbs(context), h('h1', {}, 'Clusters'), h('p', { class: 'muted' }, 'loading…'));
  try {
    const { clusters } = await listClusters();
    const body =
      clusters.length === 0
        ? h(
            'p',
            { class: 'muted' },
            'No clusters yet: tracer lists a cluster once it has recorded one of its tasks.',
          )
        : h(
            'table',
            { class: 'list' },
            h(
              'thead',
              {},
              h('tr', {}, ...['cluster', 'account', 'region', 'last seen (UTC)'].map((t) => h('th', {}, t))),
            ),
            h(
              'tbody',
              {},
              // The ARN, where the API gives one, opens this very cluster even when another carries its name.
              ...clusters.map((c) =>
                h(
                  'tr',
                  { 'data-cluster-arn': c.clusterArn },
                  h('td', {}, navLink(context, tasksHref(c.clusterArn || c.clusterName), c.clusterName)),
                  h('td', { class: 'mono' }, c.account),
                  h('td', {}, c.region),
                  h('td', {}, formatTime(Date.parse(c.lastSeenAt))),
                ),
              ),
            ),
          );
    root.replaceChildren(breadcrumbs(context), h('h1', {}, 'Clusters'), body);
  } catch (error) {
    root.replaceChildren(breadcrumbs(context), h('h1', {}, 'Clusters'), errorBox(error));
  }
}

const TASK_STATUSES = ['', 'RUNNING', 'PENDING', 'STOPPED', 'PROVISIONING', 'DEPROVISIONING', 'STOPPING'];

function taskRow(context: PageContext, cluster: string, task: TaskListItem): HTMLElement {
  return h(
    'tr',
    { class: task.failureKind ? 'failed' : undefined, 'data-task-id': task.taskId },
    h('td', { class: 'mono' }, navLink(context, taskHref(cluster, task.taskId), task.taskId)),
    h('td', {}, task.lastStatus),
    h('td', {}, task.taskDefinition ?? ''),
    h('td', {}, task.createdAt ? formatTime(Date.parse(task.createdAt)) : ''),
    h('td', {}, task.stoppedAt ? formatTime(Date.parse(task.stoppedAt)) : ''),
    h('td', {}, task.stopCode ?? ''),
    h('td', {}, task.failureKind ? h('span', { class: 'badge failed' }, task.failureKind) : ''),
  );
}

/** `/ui/clusters/{cluster}`: the tasks, newest first, with the API's filters and paging. */
export async function tasksPage(
  root: HTMLElement,
  context: PageContext,
  cluster: string,
  query: URLSearchParams,
): Promise<void> {
  const label = clusterLabel(cluster);
  context.setTitle(label);
  const filters = {
    failed: query.get('failed') === 'true' ? 'true' : undefined,
    status: query.get('status') ?? undefined,
    since: query.get('since') ?? undefined,
    until: query.get('until') ?? undefined,
    cursor: query.get('cursor') ?? undefined,
  };
  const statusSelect = h(
    'select',
    { name: 'status', id: 'filter-status' },
    ...TASK_STATUSES.map((status) =>
      h('option', { value: status, selected: status === (filters.status ?? '') }, status || 'any'),
    ),
  );
  const failedBox = h('input', {
    type: 'checkbox',
    name: 'failed',
    id: 'filter-failed',
    checked: !!filters.failed,
  });
  const since = h('input', {
    type: 'text',
    name: 'since',
    id: 'filter-since',
    placeholder: '2024-05-01T12:00:00Z',
    value: filters.since ?? '',
  });
  const until = h('input', {
    type: 'text',
    name: 'until',
    id: 'filter-until',
    placeholder: '2024-05-02T00:00:00Z',
    value: filters.until ?? '',
  });
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event) => {
        event.preventDefault();
        context.navigate(
          tasksHref(
            cluster,
            queryString({
              failed: failedBox.checked ? 'true' : undefined,
              status: statusSelect.value || undefined,
              since: since.value.trim() || undefined,
              until: until.value.trim() || undefined,
            }),
          ),
        );
      },
    },
    h('label', {}, failedBox, ' failed only'),
    h('label', {}, 'status ', statusSelect),
    h('label', {}, 'since ', since),
    h('label', {}, 'until ', until),
    h('button', { type: 'submit' }, 'Apply'),
  );
  const heading = () => [breadcrumbs(context, cluster), h('h1', {}, `Tasks of ${label}`), form];
  root.replaceChildren(...heading(), h('p', { class: 'muted' }, 'loading…'));
  try {
    const answer = await listTasks(cluster, { ...filters, limit: '50' });
    const table =
      answer.tasks.length === 0
        ? h('p', { class: 'muted' }, 'No tasks match.')
        : h(
            'table',
            { class: 'list tasks' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...[
                  'task',
                  'status',
                  'task definition',
                  'created (UTC)',
                  'stopped (UTC)',
                  'stop code',
                  'failure',
                ].map((title) => h('th', {}, title)),
              ),
            ),
            h('tbody', {}, ...answer.tasks.map((task) => taskRow(context, cluster, task))),
          );
    const { cursor: _cursor, ...kept } = filters;
    const paging = h(
      'p',
      { class: 'paging' },
      filters.cursor ? navLink(context, tasksHref(cluster, queryString(kept)), '« newest') : '',
      answer.nextCursor
        ? navLink(context, tasksHref(cluster, queryString({ ...kept, cursor: answer.nextCursor })), 'older »')
        : '',
    );
    root.replaceChildren(...heading(), table, paging);
  } catch (error) {
    root.replaceChildren(
      ...heading(),
      errorBox(error, context, (arn) => tasksHref(arn, queryString(filters))),
    );
  }
}
