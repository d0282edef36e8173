import { describe, expect, it } from 'vitest';
import { costPerMillionEvents, standardIaBreakEvenMonths } from '../../bench/support/cost-model.js';

/** The figures the README's cost section quotes, from one run of the recorder benchmark. */
const MEASURED = { writeUnitsPerEvent: 1.44, eventsPerTask: 6.93, kibPerTask: 1.82, tableKibPerTask: 1.48 };

describe('costPerMillionEvents', () => {
  it("gives the README's per-million parts and total from the measured figures", () => {
    // Act
    const cost = costPerMillionEvents(MEASURED);

    // Assess
    expect(cost.parts.map((p) => [p.part, p.dollars])).toEqual([
      ['DynamoDB writes', 0.9],
      ['storage, 3 months', 0.19],
      ['PITR, 3 months', 0.12],
      ['Lambda', 0.12],
      ['SQS', 0.5],
      ['SQS pollers', 0.13],
      ['EventBridge', 0],
    ]);
    expect(cost.total).toBe(1.96);
    expect(cost.parts[1]?.arithmetic).toBe(
      '1 M ÷ 6.93 = 144,300 tasks × 1.82 KiB = 0.250 GiB × 3 months × $0.25',
    );
  });

  it('prices Standard-IA writes dearer and its storage cheaper', () => {
    // Act
    const ia = costPerMillionEvents(MEASURED, 'STANDARD_INFREQUENT_ACCESS');

    // Assess
    expect(ia.parts[0]?.dollars).toBe(1.13);
    expect(ia.parts[1]?.dollars).toBe(0.08);
  });

  it('follows the write units: the layout before task items cost over three times as much to write', () => {
    const before = costPerMillionEvents({ ...MEASURED, writeUnitsPerEvent: 6.08 });
    expect(before.parts[0]?.dollars).toBe(3.8);
  });
});

describe('standardIaBreakEvenMonths', () => {
  it('pays from about six months of retention for the measured items', () => {
    expect(standardIaBreakEvenMonths(MEASURED)).toBeCloseTo(6, 0);
  });
});
