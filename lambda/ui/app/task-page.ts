/**
 * `/ui/clusters/{cluster}/tasks/{task}`: the timeline and the trace lines. A small first page is drawn at
 * once, and the rest of the trace is read in larger pages behind it, so that a task with 100,000 lines
 * shows its picture within a second.
 */
import type { TaskSummaryResponse, TraceLineJson, TraceResponse } from '../../core/api-types.js';
import { ApiError, getTracePage, openTracePage, queryString, tracePath } from './api.js';
import { copyText, formatTime, h } from './dom.js';
import { LineList } from './line-list.js';
import { followLive, LIVE_INTERVAL_MS, LiveTrace } from './live.js';
import { readPagesAhead } from './page-reader.js';
import { breadcrumbs, errorBox, type PageContext } from './pages.js';
import { taskHref } from './router.js';
import { buildTimeline } from './timeline-model.js';
import { timelineSvg } from './timeline-svg.js';
import { FIRST_PAGE_LINES, traceQueryOf } from './trace-paths.js';

/** Lines of each later page; the API answers at most 25,000. */
export const NEXT_PAGE_LINES = 20_000;

function diagnosisBanner(task: TaskSummaryResponse): HTMLElement | undefined {
  const failure = task.failure;
  if (!failure?.failed) return undefined;
  return h(
    'section',
    { class: 'diagnosis', role: 'alert', 'aria-label': 'Diagnosis' },
    h('strong', {}, `Diagnosis (${failure.kind}): `),
    failure.diagnosis,
    failure.hint ? h('p', { class: 'hint' }, `Hint: ${failure.hint}`) : '',
    task.stopCode || task.stoppedReason
      ? h('p', { class: 'stop' }, [task.stopCode, task.stoppedReason].filter(Boolean).join(': '))
      : '',
  );
}

function taskFacts(task: TaskSummaryResponse): HTMLElement {
  const facts: Array<[string, string | undefined]> = [
    ['status', task.lastStatus],
    ['task definition', task.taskDefinition],
    ['launch type', task.launchType],
    ['group', task.group],
    ['created', task.createdAt && formatTime(Date.parse(task.createdAt))],
    ['stopped', task.stoppedAt && formatTime(Date.parse(task.stoppedAt))],
    ['stop code', task.stopCode],
    ['source', task.source],
  ];
  return h(
    'dl',
    { class: 'facts' },
    ...facts
      .filter(([, value]) => value)
      .flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value ?? '')]),
  );
}

const textOf = (lines: readonly TraceLineJson[]): string =>
  lines.map((line) => `${line.timestamp}\t${line.source}\t${line.message}\n`).join('');

/** Renders the task page and reads the trace page by page until `signal` aborts or the trace ends. */
export async function taskPage(
  root: HTMLElement,
  context: PageContext,
  cluster: string,
  task: string,
  query: URLSearchParams,
  signal: AbortSignal,
): Promise<void> {
  context.setTitle(task);
  const traceQuery = traceQueryOf(query);
  const full = traceQuery.full === 'true';
  const duration = traceQuery.duration;
  const status = h('p', { class: 'muted status', 'aria-live': 'polite' }, 'loading…');
  root.replaceChildren(breadcrumbs(context, cluster, task), h('h1', { class: 'mono' }, task), status);

  let first: TraceResponse;
  try {
    first = await getTracePage(cluster, task, { ...traceQuery, limit: String(FIRST_PAGE_LINES) }, signal);
  } catch (error) {
    if (signal.aborted) return;
    root.replaceChildren(
      breadcrumbs(context, cluster, task),
      h('h1', { class: 'mono' }, task),
      errorBox(error, context, (arn) => taskHref(arn, task, location.search)),
    );
    return;
  }
  let summary = first.task;
  const lines: TraceLineJson[] = [...first.lines];
  let complete = first.nextCursor === undefined;
  let logCalls = first.logCalls;
  let pickedMs: number | undefined;

  const timelineBox = h('div', { class: 'timeline-box' });
  const countText = h('span', { class: 'muted count', 'aria-live': 'polite' });
  const list = new LineList((shown, total) => {
    countText.textContent = `${shown === total ? `${total}` : `${shown} of ${total}`} lines${complete ? '' : ', loading more…'}`;
  });
  const drawTimeline = () => {
    const width = Math.max(640, timelineBox.clientWidth || root.clientWidth || 960);
    const model = buildTimeline(summary, lines, Date.now());
    timelineBox.replaceChildren(
      timelineSvg(
        model,
        width,
        {
          onPick: (epochMs) => {
            pickedMs = epochMs;
            list.jumpTo(epochMs);
          },
        },
        pickedMs,
      ),
    );
  };

  const sources = new Set<string>();
  const sourceSelect = h(
    'select',
    { id: 'line-source', 'aria-label': 'Source' },
    h('option', { value: '' }, 'all sources'),
  );
  const addSources = (added: readonly TraceLineJson[]) => {
    for (const line of added) {
      if (sources.has(line.source)) continue;
      sources.add(line.source);
      sourceSelect.append(
        h('option', { value: line.source, selected: line.source === query.get('source') }, line.source),
      );
    }
  };
  const search = h('input', {
    type: 'search',
    id: 'line-search',
    placeholder: 'search the lines',
    'aria-label': 'Search the lines',
    value: query.get('q') ?? '',
  });
  const applyFilter = () => {
    list.setFilter({ source: sourceSelect.value || undefined, text: search.value || undefined });
    // The filter is part of the link, without adding a history entry per keystroke.
    const params = new URLSearchParams(location.search);
    for (const [key, value] of [
      ['source', sourceSelect.value],
      ['q', search.value],
    ] as const) {
      if (value) params.set(key, value);
      else params.delete(key);
    }
    const search_ = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${search_ ? `?${search_}` : ''}`);
  };
  sourceSelect.addEventListener('change', applyFilter);
  let searchTimer = 0;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(applyFilter, 150);
  });

  const cli = `tracer ${cluster} ${summary.taskId}${full ? ' --full' : ''}${duration ? ` --duration ${duration}` : ''}`;
  const copied = h('span', { class: 'muted', 'aria-live': 'polite' });
  const flash = (message: string) => {
    copied.textContent = message;
    window.setTimeout(() => {
      copied.textContent = '';
    }, 2_000);
  };
  const textLink = h(
    'a',
    { href: tracePath(cluster, task, { ...traceQuery, format: 'text' }), download: `${task}.txt` },
    'Download text',
  );
  const jsonLink = h(
    'a',
    { href: tracePath(cluster, task, { ...traceQuery, format: 'json' }), download: `${task}.json` },
    'Download JSON',
  );
  // Once the whole trace is here, the downloads hand over exactly what the page shows. The file is made
  // when a link is used, not each time lines arrive: for 100,000 lines that takes seconds.
  let traceVersion = 0;
  const handOver = (link: HTMLAnchorElement, file: () => Blob) => {
    let builtFor = -1;
    link.addEventListener('click', () => {
      if (!complete || builtFor === traceVersion) return;
      if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(file());
      builtFor = traceVersion;
    });
  };
  handOver(textLink, () => new Blob([textOf(lines)], { type: 'text/plain' }));
  handOver(
    jsonLink,
    () =>
      new Blob([JSON.stringify({ task: summary, lines, logCalls }, null, 2)], { type: 'application/json' }),
  );
  const toolbar = h(
    'div',
    { class: 'toolbar' },
    h(
      'button',
      {
        type: 'button',
        id: 'copy-cli',
        title: cli,
        onclick: async () => flash((await copyText(cli)) ? `copied: ${cli}` : 'copy failed'),
      },
      'Copy CLI command',
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'copy-trace',
        onclick: async () =>
          flash((await copyText(textOf(lines))) ? `copied ${lines.length} lines` : 'copy failed'),
      },
      'Copy trace',
    ),
    textLink,
    jsonLink,
    h(
      'label',
      {},
      h('input', {
        type: 'checkbox',
        id: 'full-life',
        checked: full,
        onchange: (event) => {
          const checked = (event.target as HTMLInputElement).checked;
          context.navigate(
            taskHref(cluster, task, queryString({ full: checked ? 'true' : undefined, duration })),
          );
        },
      }),
      ' whole life (--full)',
    ),
    copied,
  );

  const bannerBox = h('div', {}, diagnosisBanner(summary));
  const factsBox = h('div', {}, taskFacts(summary));
  const liveBadge = h(
    'span',
    { class: 'live', role: 'status', title: `updated every ${LIVE_INTERVAL_MS / 1000} s`, hidden: true },
    'live',
  );
  root.replaceChildren(
    breadcrumbs(context, cluster, task),
    h('h1', { class: 'mono' }, summary.taskId, ' ', liveBadge),
    bannerBox,
    factsBox,
    toolbar,
    timelineBox,
    h('div', { class: 'line-filters' }, sourceSelect, search, countText),
    list.element,
  );
  addSources(lines);
  drawTimeline();
  list.setLines(lines);
  if (query.get('source') || query.get('q')) applyFilter();
  root.dataset.firstScreen = 'drawn';
  // For the benchmark: when the first screen reaches the next frame, counted from navigation start.
  requestAnimationFrame(() => {
    root.dataset.firstScreenMs = String(Math.round(performance.now()));
  });

  let resizeTimer = 0;
  const onResize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(drawTimeline, 100);
  };
  window.addEventListener('resize', onResize);
  signal.addEventListener('abort', () => window.removeEventListener('resize', onResize));

  try {
    await readPagesAhead(
      first.nextCursor,
      (cursor) =>
        openTracePage(cluster, task, { ...traceQuery, cursor, limit: String(NEXT_PAGE_LINES) }, signal),
      (page, last) => {
        for (const line of page.lines) lines.push(line);
        logCalls += page.logCalls;
        addSources(page.lines);
        complete = last;
        list.setLines(lines);
        drawTimeline();
      },
      signal,
    );
  } catch (error) {
    if (signal.aborted) return;
    root.append(errorBox(error));
    return;
  }
  if (signal.aborted) return;
  complete = true;
  list.setLines(lines);
  root.dataset.trace = 'complete';
  root.dataset.traceCompleteMs = String(Math.round(performance.now()));
  if (summary.lastStatus === 'STOPPED') return;

  // A task still running: what it logs and records from now on joins the page as it happens.
  const live = new LiveTrace(lines, summary, logCalls);
  const liveError = h('span', { class: 'muted', role: 'status' });
  toolbar.append(liveError);
  liveBadge.hidden = false;
  root.dataset.live = 'polling';
  await followLive({
    signal,
    poll: (since, pollSignal) => getTracePage(cluster, task, { ...traceQuery, since }, pollSignal),
    onAnswer: (answer) => {
      liveError.textContent = '';
      const change = live.apply(answer);
      summary = live.task;
      logCalls = live.logCalls;
      if (change.statusChanged) {
        bannerBox.replaceChildren(diagnosisBanner(summary) ?? '');
        factsBox.replaceChildren(taskFacts(summary));
      }
      if (change.added > 0) {
        addSources(answer.lines);
        list.setLines(lines, true);
      }
      traceVersion++;
      // Redrawn on every answer: a running task's bars reach up to now.
      drawTimeline();
    },
    onError: (error) => {
      liveError.textContent = `not updated: ${error instanceof Error ? error.message : String(error)}`;
      return !(error instanceof ApiError && error.status >= 400 && error.status < 500);
    },
  });
  if (signal.aborted) return;
  liveBadge.hidden = true;
  root.dataset.live = 'stopped';
}
