/**
 * Draws a TimelineModel as one SVG on one time axis: the lifecycle phases, the SERVICE and INSTANCE
 * markers, and per container its run span, exit code and log density. A click, or the arrow keys and
 * Enter, pick a time; the page then shows the lines at that time.
 */
import { formatClock, s } from './dom.js';
import { formatSpan, type TimelineModel } from './timeline-model.js';

const GUTTER = 150;
const RIGHT = 16;
const AXIS_HEIGHT = 24;
const PHASE_HEIGHT = 26;
const MARKER_HEIGHT = 20;
const LANE_HEIGHT = 44;

const PHASE_CLASS: Record<string, string> = {
  provisioning: 'provisioning',
  'pending and pull': 'pending',
  running: 'running',
  stopping: 'stopping',
  deprovisioning: 'deprovisioning',
};

/** Round steps for the axis ticks, in ms. */
const STEPS = [
  10, 50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

export interface TimelineHandlers {
  /** A time was picked on the timeline. */
  readonly onPick: (epochMs: number) => void;
}

/**
 * The SVG of the timeline at the given width.
 * @example container.replaceChildren(timelineSvg(model, 960, { onPick: jump }))
 */
export function timelineSvg(
  model: TimelineModel,
  width: number,
  handlers: TimelineHandlers,
  pickedMs?: number,
): SVGSVGElement {
  const plotWidth = Math.max(100, width - GUTTER - RIGHT);
  const span = model.endMs - model.startMs;
  const x = (ms: number) => GUTTER + ((ms - model.startMs) / span) * plotWidth;
  const timeAt = (px: number) =>
    model.startMs + (Math.min(Math.max(px - GUTTER, 0), plotWidth) / plotWidth) * span;
  const height = AXIS_HEIGHT + PHASE_HEIGHT + MARKER_HEIGHT + model.lanes.length * LANE_HEIGHT + 8;

  const svg = s('svg', {
    class: 'timeline',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    tabindex: 0,
    role: 'group',
    'aria-label': `Timeline from ${formatClock(model.startMs)} to ${formatClock(model.endMs)} UTC; arrow keys move the time cursor, Enter shows its lines`,
    'data-start-ms': model.startMs,
    'data-end-ms': model.endMs,
  });

  // Axis and grid.
  const step = STEPS.find((candidate) => (span / candidate) * 90 <= plotWidth) ?? 86_400_000;
  const axis = s('g', { class: 'axis' });
  for (let t = Math.ceil(model.startMs / step) * step; t <= model.endMs; t += step) {
    const tx = x(t);
    axis.append(
      s('line', { class: 'grid', x1: tx, x2: tx, y1: AXIS_HEIGHT - 4, y2: height }),
      s(
        'text',
        { x: tx, y: AXIS_HEIGHT - 8, 'text-anchor': 'middle' },
        formatClock(t).slice(0, step < 1_000 ? 12 : 8),
      ),
    );
  }
  axis.append(s('text', { class: 'axis-zone', x: 8, y: AXIS_HEIGHT - 8 }, 'UTC'));
  svg.append(axis);

  // Lifecycle phases.
  const phaseY = AXIS_HEIGHT;
  const phases = s('g', { class: 'phases' });
  phases.append(s('text', { class: 'row-label', x: 8, y: phaseY + 17 }, 'task'));
  for (const phase of model.phases) {
    const px = x(phase.startMs);
    const pw = Math.max(2, x(phase.endMs) - px);
    const label = `${phase.name} ${formatSpan(phase.endMs - phase.startMs)}`;
    const group = s(
      'g',
      { class: `phase ${PHASE_CLASS[phase.name] ?? ''}`, 'data-phase': phase.name },
      s('title', {}, `${label} (${formatClock(phase.startMs)} – ${formatClock(phase.endMs)})`),
      s('rect', { x: px, y: phaseY + 2, width: pw, height: PHASE_HEIGHT - 6, rx: 3 }),
    );
    if (pw > label.length * 6.2 + 8) group.append(s('text', { x: px + 5, y: phaseY + 16 }, label));
    phases.append(group);
  }
  if (model.pull) {
    const px = x(model.pull.startMs);
    phases.append(
      s(
        'rect',
        {
          class: 'pull',
          x: px,
          y: phaseY + PHASE_HEIGHT - 7,
          width: Math.max(2, x(model.pull.endMs) - px),
          height: 3,
        },
        s('title', {}, `image pull ${formatSpan(model.pull.endMs - model.pull.startMs)}`),
      ),
    );
  }
  svg.append(phases);

  // SERVICE and INSTANCE events.
  const markerY = AXIS_HEIGHT + PHASE_HEIGHT;
  const markers = s('g', { class: 'markers' });
  markers.append(s('text', { class: 'row-label', x: 8, y: markerY + 14 }, 'events'));
  for (const marker of model.markers) {
    const mx = x(marker.epochMs);
    markers.append(
      s(
        'path',
        {
          class: `marker ${marker.source.startsWith('INSTANCE') ? 'instance' : 'service'}`,
          d: `M${mx} ${markerY + 4} l5 7 l-5 7 l-5 -7 z`,
        },
        s('title', {}, `${formatClock(marker.epochMs)} ${marker.source} ${marker.message}`),
      ),
    );
  }
  if (model.stop) {
    const sx = x(model.stop.epochMs);
    const label = model.stop.stopCode ?? 'stopped';
    const anchorEnd = sx > GUTTER + plotWidth * 0.6;
    markers.append(
      s('line', { class: 'stop-line', x1: sx, x2: sx, y1: phaseY, y2: height }),
      s(
        'text',
        {
          class: 'stop-code',
          x: anchorEnd ? sx - 5 : sx + 5,
          y: markerY + 14,
          'text-anchor': anchorEnd ? 'end' : 'start',
        },
        s('title', {}, `stop code ${label} at ${formatClock(model.stop.epochMs)}`),
        label,
      ),
    );
  }
  svg.append(markers);

  // One lane per container.
  model.lanes.forEach((lane, index) => {
    const top = AXIS_HEIGHT + PHASE_HEIGHT + MARKER_HEIGHT + index * LANE_HEIGHT;
    const g = s('g', { class: 'lane', 'data-container': lane.name });
    g.append(
      s('line', { class: 'lane-rule', x1: 0, x2: width, y1: top, y2: top }),
      s('text', { class: 'row-label', x: 8, y: top + 18 }, lane.name),
    );
    if (lane.essential) g.append(s('text', { class: 'row-note', x: 8, y: top + 33 }, 'essential'));
    const peak = Math.max(1, ...lane.density);
    const binWidth = plotWidth / model.bins;
    const density = s('g', { class: 'density' });
    lane.density.forEach((count, bin) => {
      if (count === 0) return;
      const barHeight = Math.max(1, (count / peak) * 20);
      density.append(
        s('rect', {
          x: GUTTER + bin * binWidth,
          y: top + 24 - barHeight,
          width: Math.max(1, binWidth - 0.5),
          height: barHeight,
        }),
      );
    });
    g.append(density);
    const failed = lane.exitCode !== undefined && lane.exitCode !== 0;
    const exitText = lane.exitCode !== undefined ? `exit ${lane.exitCode}` : lane.run ? '' : 'never started';
    let endX = GUTTER;
    if (lane.run) {
      const rx = x(lane.run.startMs);
      endX = Math.max(rx + 2, x(lane.run.endMs));
      g.append(
        s(
          'rect',
          { class: `run${failed ? ' failed' : ''}`, x: rx, y: top + 28, width: endX - rx, height: 8, rx: 2 },
          s('title', {}, `${lane.name} ran ${formatSpan(lane.run.endMs - lane.run.startMs)}`),
        ),
      );
    }
    const note = [exitText, lane.reason].filter(Boolean).join(' · ');
    if (note) {
      const anchorEnd = endX > GUTTER + plotWidth * 0.6;
      g.append(
        s(
          'text',
          {
            class: `exit-code${failed || !lane.run ? ' failed' : ''}`,
            x: anchorEnd ? endX - 4 : endX + 6,
            y: top + 40,
            'text-anchor': anchorEnd ? 'end' : 'start',
            'data-exit-code': lane.exitCode ?? '',
          },
          s('title', {}, note),
          note.length > 90 ? `${note.slice(0, 88)}…` : note,
        ),
      );
    }
    svg.append(g);
  });

  // The time cursor, and picking a time.
  const cursor = s('line', {
    class: 'cursor',
    x1: 0,
    x2: 0,
    y1: AXIS_HEIGHT - 4,
    y2: height,
    visibility: 'hidden',
  });
  svg.append(cursor);
  let current = pickedMs;
  const show = (ms: number) => {
    cursor.setAttribute('x1', String(x(ms)));
    cursor.setAttribute('x2', String(x(ms)));
    cursor.setAttribute('visibility', 'visible');
  };
  if (current !== undefined) show(current);
  svg.addEventListener('click', (event) => {
    const box = svg.getBoundingClientRect();
    current = timeAt(((event.clientX - box.left) / box.width) * width);
    show(current);
    handlers.onPick(current);
  });
  svg.addEventListener('keydown', (event) => {
    const stepMs = span / 100;
    let next: number | undefined;
    if (event.key === 'ArrowRight') next = (current ?? model.startMs) + stepMs;
    else if (event.key === 'ArrowLeft') next = (current ?? model.startMs) - stepMs;
    else if (event.key === 'Home') next = model.startMs;
    else if (event.key === 'End') next = model.endMs;
    else if (event.key === 'Enter' && current !== undefined) {
      handlers.onPick(current);
      event.preventDefault();
      return;
    }
    if (next === undefined) return;
    event.preventDefault();
    current = Math.min(model.endMs, Math.max(model.startMs, next));
    show(current);
    handlers.onPick(current);
  });
  return svg;
}
