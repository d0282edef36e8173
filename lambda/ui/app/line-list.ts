/**
 * The trace lines in a virtualized list: only the rows on screen exist in the DOM, so 100,000 lines
 * scroll as smoothly as 100. Lines can be filtered by source and searched for text.
 */
import type { TraceLineJson } from '../../core/api-types.js';
import { formatTime, h } from './dom.js';
import { firstLineAtOrAfter } from './timeline-model.js';

const ROW_HEIGHT = 20;
const OVERSCAN = 10;

export interface LineFilter {
  readonly source?: string;
  readonly text?: string;
}

/** A scrolling window on the trace lines. */
export class LineList {
  readonly element: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly rows: HTMLDivElement;
  private lines: readonly TraceLineJson[] = [];
  /** Indexes into `lines` of the lines that pass the filter; undefined means all of them. */
  private shown: number[] | undefined;
  private filter: LineFilter = {};
  private highlighted = -1;
  private frame = 0;

  constructor(private readonly onCount: (shown: number, total: number) => void) {
    this.spacer = h('div', { class: 'spacer' });
    this.rows = h('div', { class: 'rows' });
    this.element = h(
      'div',
      { class: 'lines', tabindex: 0, role: 'list', 'aria-label': 'Trace lines' },
      this.spacer,
      this.rows,
    );
    this.element.addEventListener('scroll', () => this.schedule());
  }

  /**
   * The lines changed (more pages arrived): keeps the filter and the scroll position, or with `followEnd`,
   * a list scrolled to its end stays at the end, as `tail -f` does.
   */
  setLines(lines: readonly TraceLineJson[], followEnd = false): void {
    const list = this.element;
    const atEnd = followEnd && list.scrollTop + list.clientHeight >= list.scrollHeight - ROW_HEIGHT;
    this.lines = lines;
    this.applyFilter();
    if (atEnd) list.scrollTop = list.scrollHeight;
  }

  setFilter(filter: LineFilter): void {
    this.filter = filter;
    this.applyFilter();
  }

  /** Scrolls to the first shown line at or after `epochMs` and highlights it. */
  jumpTo(epochMs: number): void {
    const count = this.count();
    let position: number;
    if (this.shown) {
      const shown = this.shown;
      let lo = 0;
      let hi = shown.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((this.lines[shown[mid] ?? 0]?.epochMs ?? 0) < epochMs) lo = mid + 1;
        else hi = mid;
      }
      position = lo;
    } else position = firstLineAtOrAfter(this.lines, epochMs);
    position = Math.min(position, count - 1);
    if (position < 0) return;
    this.highlighted = position;
    this.element.scrollTop = Math.max(0, position * ROW_HEIGHT - ROW_HEIGHT * 2);
    this.render();
  }

  private count(): number {
    return this.shown ? this.shown.length : this.lines.length;
  }

  private applyFilter(): void {
    const { source, text } = this.filter;
    const needle = text?.trim().toLowerCase();
    if (!source && !needle) this.shown = undefined;
    else {
      const shown: number[] = [];
      this.lines.forEach((line, index) => {
        if (source && line.source !== source) return;
        if (
          needle &&
          !line.message.toLowerCase().includes(needle) &&
          !line.source.toLowerCase().includes(needle)
        )
          return;
        shown.push(index);
      });
      this.shown = shown;
    }
    this.spacer.style.height = `${this.count() * ROW_HEIGHT}px`;
    this.onCount(this.count(), this.lines.length);
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const count = this.count();
    const viewHeight = this.element.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.element.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(count, Math.ceil((this.element.scrollTop + viewHeight) / ROW_HEIGHT) + OVERSCAN);
    const rows: HTMLElement[] = [];
    for (let position = first; position < last; position++) {
      const index = this.shown ? (this.shown[position] ?? 0) : position;
      const line = this.lines[index];
      if (!line) continue;
      const row = h(
        'div',
        {
          class: `line kind-${line.kind}${position === this.highlighted ? ' highlighted' : ''}`,
          role: 'listitem',
          'data-epoch-ms': line.epochMs,
        },
        h('span', { class: 'time' }, formatTime(line.epochMs)),
        h('span', { class: 'source' }, line.source),
        h(
          'span',
          { class: 'message', title: line.message.length > 120 ? line.message : undefined },
          line.message,
        ),
      );
      row.style.transform = `translateY(${position * ROW_HEIGHT}px)`;
      rows.push(row);
    }
    this.rows.replaceChildren(...rows);
  }
}
