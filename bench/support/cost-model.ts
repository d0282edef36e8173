/**
 * What a million recorded ECS events cost all in, from the recorder benchmark's measured write units and
 * storage and the list prices below: the arithmetic of the README's cost section, so that a change to the
 * item layout shows up in the cost as well as in the units.
 */

/** us-east-1 list prices, without the free tier. */
export const PRICES = {
  /** On-demand write request units, per million: Standard, and Standard-IA. */
  writeUnitsPerMillion: { STANDARD: 0.625, STANDARD_INFREQUENT_ACCESS: 0.78125 },
  /** Storage per GB-month: Standard, and Standard-IA. */
  storagePerGbMonth: { STANDARD: 0.25, STANDARD_INFREQUENT_ACCESS: 0.1 },
  /** Point-in-time recovery per GB-month of table data. */
  pitrPerGbMonth: 0.2,
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sqsPerMillionRequests: 0.4,
} as const;

/** How the recorder runs at 10,000 tasks a day: the README's assumptions. */
export const ASSUMPTIONS = {
  /** Records a month are kept: 90 days. */
  retentionMonths: 3,
  /** The recorder's batching window fills about 8 records at 0.8 events a second. */
  eventsPerBatch: 8,
  /** Lambda duration of a batch: a fixed part and a part per event, at lambdaGb. */
  lambdaBaseSeconds: 0.03,
  lambdaSecondsPerEvent: 0.01,
  lambdaGb: 0.5,
  /** The SQS pollers' empty receives: 5 pollers, one 20-s poll each, $0.26 a month over 2.08 M events. */
  pollersPerMillionEvents: 0.13,
} as const;

export type TableClass = keyof typeof PRICES.writeUnitsPerMillion;

/** What the recorder benchmark measures. */
export interface RecorderFigures {
  readonly writeUnitsPerEvent: number;
  readonly eventsPerTask: number;
  /** Table items and index entries, with their overhead. */
  readonly kibPerTask: number;
  /** The table's items alone: what point-in-time recovery keeps. */
  readonly tableKibPerTask: number;
}

export interface CostPart {
  readonly part: string;
  readonly arithmetic: string;
  /** Rounded to cents, as the README shows it. */
  readonly dollars: number;
}

export interface CostPerMillion {
  readonly parts: readonly CostPart[];
  /** The sum of the rounded parts, so that the table adds up as printed. */
  readonly total: number;
}

const cents = (dollars: number): number => Math.round(dollars * 100) / 100;

/** A price as the README writes it: at least two decimals, all of them when it has more. */
function price(dollars: number): string {
  const text = String(dollars);
  return (text.split('.')[1]?.length ?? 0) >= 2 ? `$${text}` : `$${dollars.toFixed(2)}`;
}
const KIB_PER_GIB = 1024 * 1024;

/**
 * The cost of recording a million ECS events and keeping them ASSUMPTIONS.retentionMonths, part by part.
 * @example costPerMillionEvents({ writeUnitsPerEvent: 1.44, eventsPerTask: 6.93, kibPerTask: 1.82, tableKibPerTask: 1.48 }).total === 1.96
 */
export function costPerMillionEvents(
  figures: RecorderFigures,
  tableClass: TableClass = 'STANDARD',
): CostPerMillion {
  const events = 1_000_000;
  const tasks = events / figures.eventsPerTask;
  const months = ASSUMPTIONS.retentionMonths;
  const storedGib = (tasks * figures.kibPerTask) / KIB_PER_GIB;
  const tableGib = (tasks * figures.tableKibPerTask) / KIB_PER_GIB;
  const invocations = events / ASSUMPTIONS.eventsPerBatch;
  const batchSeconds =
    ASSUMPTIONS.lambdaBaseSeconds + ASSUMPTIONS.eventsPerBatch * ASSUMPTIONS.lambdaSecondsPerEvent;
  const gbSeconds = invocations * batchSeconds * ASSUMPTIONS.lambdaGb;
  const sqsRequests = events + 2 * invocations;
  const writePrice = PRICES.writeUnitsPerMillion[tableClass];
  const storagePrice = PRICES.storagePerGbMonth[tableClass];
  const n = (value: number, digits = 0) =>
    value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const parts: CostPart[] = [
    {
      part: 'DynamoDB writes',
      arithmetic: `${n(figures.writeUnitsPerEvent, 2)} WRU × 1 M × ${price(writePrice)} / M`,
      dollars: cents(figures.writeUnitsPerEvent * writePrice),
    },
    {
      part: `storage, ${months} months`,
      arithmetic: `1 M ÷ ${n(figures.eventsPerTask, 2)} = ${n(tasks)} tasks × ${n(figures.kibPerTask, 2)} KiB = ${n(storedGib, 3)} GiB × ${months} months × ${price(storagePrice)}`,
      dollars: cents(storedGib * months * storagePrice),
    },
    {
      part: `PITR, ${months} months`,
      arithmetic: `${n(tasks)} tasks × ${n(figures.tableKibPerTask, 2)} KiB = ${n(tableGib, 3)} GiB × ${months} months × ${price(PRICES.pitrPerGbMonth)}`,
      dollars: cents(tableGib * months * PRICES.pitrPerGbMonth),
    },
    {
      part: 'Lambda',
      arithmetic: `${n(invocations)} invocations × ${price(PRICES.lambdaPerMillionRequests)} / M + ${n(invocations)} × ${n(batchSeconds, 2)} s × ${ASSUMPTIONS.lambdaGb} GB = ${n(gbSeconds)} GB-s × ${price(PRICES.lambdaPerGbSecond)}`,
      dollars: cents(
        (invocations * PRICES.lambdaPerMillionRequests) / 1_000_000 + gbSeconds * PRICES.lambdaPerGbSecond,
      ),
    },
    {
      part: 'SQS',
      arithmetic: `a SendMessage per event, a receive and a batch delete per ${ASSUMPTIONS.eventsPerBatch}: ${n(sqsRequests / 1_000_000, 2)} M requests × ${price(PRICES.sqsPerMillionRequests)} / M`,
      dollars: cents((sqsRequests * PRICES.sqsPerMillionRequests) / 1_000_000),
    },
    {
      part: 'SQS pollers',
      arithmetic: 'empty long polls of 5 pollers, $0.26 a month over 2.08 M events a month',
      dollars: ASSUMPTIONS.pollersPerMillionEvents,
    },
    { part: 'EventBridge', arithmetic: 'AWS service events on the default bus, SQS targets', dollars: 0 },
  ];
  return { parts, total: cents(parts.reduce((sum, p) => sum + p.dollars, 0)) };
}

/**
 * The months of retention from which Standard-IA costs less than Standard for the same events: it writes
 * dearer and stores cheaper, so it pays once enough months of storage are saved.
 */
export function standardIaBreakEvenMonths(figures: RecorderFigures): number {
  const extraWrites =
    figures.writeUnitsPerEvent *
    (PRICES.writeUnitsPerMillion.STANDARD_INFREQUENT_ACCESS - PRICES.writeUnitsPerMillion.STANDARD);
  const storedGib = (1_000_000 / figures.eventsPerTask) * (figures.kibPerTask / KIB_PER_GIB);
  const savedPerMonth =
    storedGib * (PRICES.storagePerGbMonth.STANDARD - PRICES.storagePerGbMonth.STANDARD_INFREQUENT_ACCESS);
  return extraWrites / savedPerMonth;
}
