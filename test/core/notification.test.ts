import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyFailure, type FailureClassification } from '../../lambda/core/failure.js';
import type { TaskSummary } from '../../lambda/core/model.js';
import {
  attributeBytes,
  CHATBOT_LIMITS,
  chatbotNotification,
  cutMiddle,
  notificationAttributes,
  notificationBody,
  notificationSubject,
  notifiedCluster,
  notifyDecision,
  SNS_MAX_MESSAGE_BYTES,
  SNS_MAX_SUBJECT_CHARS,
  shouldNotify,
  traceUrl,
} from '../../lambda/core/notification.js';
import type { NotifySettings } from '../../lambda/core/notify-settings.js';
import { loadSummary } from '../support/notify-fixtures.js';

const FIXTURES = [
  'failure-image-pull.json',
  'failure-resource-initialization.json',
  'failure-oom.json',
  'failure-container-health-check.json',
  'failure-elb-health-check.json',
  'failure-essential-exit.json',
  'failure-task-failed-to-start.json',
  'failure-new-stop-code.json',
  'failure-spot-interruption.json',
  'failure-user-stop.json',
  'failure-scale-in.json',
  'failure-deployment.json',
  'failure-legacy-no-stop-code.json',
];

const REFERENCE_TRACE = [
  '2021-11-27T02:29:15.055+09:00\tTASK\tCreated',
  '2021-11-27T02:29:33.527+09:00\tTASK\tExecution stopped',
  '2021-11-27T02:29:43.569+09:00\tTASK\tStopping',
  '2021-11-27T02:29:43.569+09:00\tTASK\tStoppedReason:CannotPullContainerError: inspect image has been retried 1 time(s): failed to resolve ref "docker.io/library/ngin:latest": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
  '2021-11-27T02:29:43.569+09:00\tTASK\tStoppedCode:TaskFailedToStart',
  '2021-11-27T02:29:57.070+09:00\tTASK\tStopped',
].join('\n');

function load(name: string): { summary: TaskSummary; classification: FailureClassification } {
  const summary = loadSummary(name);
  const classification = classifyFailure(summary);
  if (!classification) throw new Error(`${name} has not stopped`);
  return { summary, classification };
}

const HOME = { account: '123456789012', region: 'ap-northeast-1' } as const;
const FOREIGN_CLUSTER_ARN = 'arn:aws:ecs:us-west-2:222233334444:cluster/default';
const FOREIGN_CLUSTER_SEGMENT = encodeURIComponent(FOREIGN_CLUSTER_ARN);

/** The reference pull failure as if it had run in another account and region, recorded through the central bus. */
function loadForeign(name: string): { summary: TaskSummary; classification: FailureClassification } {
  const { summary, classification } = load(name);
  const foreign: TaskSummary = {
    ...summary,
    account: '222233334444',
    region: 'us-west-2',
    clusterArn: FOREIGN_CLUSTER_ARN,
    taskArn: summary.taskArn.replace('ap-northeast-1:123456789012', 'us-west-2:222233334444'),
  };
  return { summary: foreign, classification };
}

/** The AWS Chatbot message of a notification, parsed: what every chatbot test reads. */
const chatbotMessage = (input: Parameters<typeof chatbotNotification>[0]) =>
  JSON.parse(chatbotNotification(input));

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const isPrintableAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);

describe('notificationSubject', () => {
  it('names the task, the cluster and the failure kind of the reference pull failure', () => {
    const { summary, classification } = load('failure-image-pull.json');

    const subject = notificationSubject(summary, classification);

    expect(subject).toBe('Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)');
  });

  it('keeps the original format for a stop that did not fail', () => {
    const { summary, classification } = load('failure-user-stop.json');

    expect(notificationSubject(summary, classification)).toBe(
      'Tracer: 84b5991528504856a2f003b7da9b2b82 on default',
    );
  });

  it.each(FIXTURES)('stays within the SNS subject rules for %s', (fixture) => {
    const { summary, classification } = load(fixture);

    const subject = notificationSubject(summary, classification);

    expect(subject.length).toBeLessThanOrEqual(SNS_MAX_SUBJECT_CHARS);
    expect(isPrintableAscii(subject)).toBe(true);
  });

  it('cuts a subject with a long cluster name with "..."', () => {
    const { summary, classification } = load('failure-image-pull.json');
    const longCluster = { ...summary, clusterName: 'c'.repeat(255) };

    const subject = notificationSubject(longCluster, classification);

    expect(subject).toHaveLength(SNS_MAX_SUBJECT_CHARS);
    expect(subject.startsWith('Tracer: 9f654c76cde14c7c85cf54dce087658a on ccc')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('leaves the failure kind out when only the plain subject fits', () => {
    const { summary, classification } = load('failure-image-pull.json');
    const prefix = 'Tracer: 9f654c76cde14c7c85cf54dce087658a on ';
    const cluster = 'c'.repeat(SNS_MAX_SUBJECT_CHARS - prefix.length);

    const subject = notificationSubject({ ...summary, clusterName: cluster }, classification);

    expect(subject).toBe(`${prefix}${cluster}`);
  });

  it('replaces line breaks and characters outside printable ASCII', () => {
    const { summary, classification } = load('failure-image-pull.json');

    const subject = notificationSubject({ ...summary, clusterName: 'prod\r\néquipe-日本' }, classification);

    expect(subject).toBe('Tracer: 9f654c76cde14c7c85cf54dce087658a on prod  ?quipe-?? (image-pull)');
  });
});

describe('notificationAttributes', () => {
  it('sets cluster, service, group, stopCode and failureKind for a service task', () => {
    const { summary, classification } = load('failure-essential-exit.json');

    const attributes = notificationAttributes(summary, classification);

    expect(attributes).toEqual({
      cluster: 'test',
      service: 'example-api-v1',
      group: 'service:example-api-v1',
      stopCode: 'EssentialContainerExited',
      failureKind: 'essential-container-exited',
    });
  });

  it('leaves out the service of a standalone task and a missing stop code', () => {
    const { summary, classification } = load('failure-legacy-no-stop-code.json');

    const attributes = notificationAttributes(summary, classification);

    expect(attributes).toEqual({
      cluster: 'my-cluster-name',
      group: 'family:example-ecs-events-ec2',
      failureKind: 'not-failed',
    });
  });

  it('leaves out blank values and bounds long ones', () => {
    const { summary, classification } = load('failure-image-pull.json');

    const attributes = notificationAttributes(
      { ...summary, stopCode: '  ', group: `family:${'g'.repeat(3000)}` },
      classification,
    );

    expect(attributes.stopCode).toBeUndefined();
    expect(attributes.group).toHaveLength(1024);
    expect(attributes.group?.endsWith('...')).toBe(true);
  });

  it('counts names, data types and values as SNS does', () => {
    expect(attributeBytes({ cluster: 'default', failureKind: 'état' })).toBe(7 + 6 + 7 + 11 + 6 + 5);
  });
});

describe('traceUrl', () => {
  it.each([
    ['https://abc.execute-api.eu-west-1.amazonaws.com/', 'https://abc.execute-api.eu-west-1.amazonaws.com'],
    ['https://api.example.com/prod', 'https://api.example.com/prod'],
    ['https://api.example.com/prod//', 'https://api.example.com/prod'],
  ])('joins %s with the task path', (apiUrl, base) => {
    expect(traceUrl(apiUrl, 'default', 'abc123')).toBe(`${base}/clusters/default/tasks/abc123/trace`);
  });

  it('returns undefined without an API URL', () => {
    expect(traceUrl(undefined, 'default', 'abc')).toBeUndefined();
    expect(traceUrl('  ', 'default', 'abc')).toBeUndefined();
  });
});

describe('notifiedCluster', () => {
  it('names a cluster of the home account and region by its name', () => {
    const { summary } = load('failure-image-pull.json');

    expect(notifiedCluster(summary, HOME)).toBe('default');
    expect(notifiedCluster(summary)).toBe('default');
  });

  it.each([
    ['another account', { account: '222233334444', region: 'ap-northeast-1' }],
    ['another region', { account: '123456789012', region: 'us-west-2' }],
  ])('names a cluster of %s by its ARN', (_, scope) => {
    const { summary } = load('failure-image-pull.json');
    const elsewhere: TaskSummary = {
      ...summary,
      ...scope,
      clusterArn: `arn:aws:ecs:${scope.region}:${scope.account}:cluster/default`,
    };

    expect(notifiedCluster(elsewhere, HOME)).toBe(
      `arn:aws:ecs:${scope.region}:${scope.account}:cluster/default`,
    );
  });

  it('builds the ARN from the account and region of the event when its cluster ARN is not well formed', () => {
    const { summary } = load('failure-image-pull.json');
    const odd: TaskSummary = { ...summary, account: '222233334444', region: 'us-west-2', clusterArn: '' };

    expect(notifiedCluster(odd, HOME)).toBe(FOREIGN_CLUSTER_ARN);
  });

  it('uses the partition of a China region', () => {
    const { summary } = load('failure-image-pull.json');
    const china: TaskSummary = {
      ...summary,
      region: 'cn-north-1',
      clusterArn: 'arn:aws-cn:ecs:cn-north-1:123456789012:cluster/default',
    };

    expect(notifiedCluster(china, HOME)).toBe('arn:aws-cn:ecs:cn-north-1:123456789012:cluster/default');
  });
});

describe('notificationBody', () => {
  it('starts with the diagnosis, the hint, the trace link and the CLI command, then the trace', () => {
    const { summary, classification } = load('failure-image-pull.json');

    const body = notificationBody({
      summary,
      classification,
      traceText: REFERENCE_TRACE,
      apiUrl: 'https://api.example.com/prod/',
    });

    expect(body).toBe(
      [
        classification.diagnosis,
        `Hint: ${classification.hint ?? ''}`,
        'Trace: https://api.example.com/prod/clusters/default/tasks/9f654c76cde14c7c85cf54dce087658a/trace',
        'CLI: tracer default 9f654c76cde14c7c85cf54dce087658a',
        'Timeline: tracer ui default 9f654c76cde14c7c85cf54dce087658a',
        '',
        REFERENCE_TRACE,
        '',
      ].join('\n'),
    );
  });

  it('is the same for a task of the home cluster whether or not the home scope is known', () => {
    const { summary, classification } = load('failure-image-pull.json');
    const content = {
      summary,
      classification,
      traceText: REFERENCE_TRACE,
      apiUrl: 'https://api.example.com/prod',
    };

    expect(notificationBody({ ...content, home: HOME })).toBe(notificationBody(content));
    expect(chatbotNotification({ ...content, home: HOME })).toBe(chatbotNotification(content));
  });

  it("names another account's cluster by its ARN in the link and both commands", () => {
    const { summary, classification } = loadForeign('failure-image-pull.json');

    const body = notificationBody({
      summary,
      classification,
      traceText: REFERENCE_TRACE,
      apiUrl: 'https://api.example.com/prod/',
      home: HOME,
    });

    expect(body).toBe(
      [
        classification.diagnosis,
        `Hint: ${classification.hint ?? ''}`,
        `Trace: https://api.example.com/prod/clusters/${FOREIGN_CLUSTER_SEGMENT}/tasks/9f654c76cde14c7c85cf54dce087658a/trace`,
        `CLI: tracer ${FOREIGN_CLUSTER_ARN} 9f654c76cde14c7c85cf54dce087658a`,
        `Timeline: tracer ui ${FOREIGN_CLUSTER_ARN} 9f654c76cde14c7c85cf54dce087658a`,
        '',
        REFERENCE_TRACE,
        '',
      ].join('\n'),
    );
    expect(FOREIGN_CLUSTER_SEGMENT).toBe('arn%3Aaws%3Aecs%3Aus-west-2%3A222233334444%3Acluster%2Fdefault');
  });

  it('has no trace link when no API URL is configured, and no hint line for a clean stop', () => {
    const { summary, classification } = load('failure-user-stop.json');

    const body = notificationBody({ summary, classification, traceText: 'line' });

    expect(body).toBe(
      `${classification.diagnosis}\nCLI: tracer default 84b5991528504856a2f003b7da9b2b82\nTimeline: tracer ui default 84b5991528504856a2f003b7da9b2b82\n\nline\n`,
    );
  });

  it('cuts a large trace in the middle so that body and attributes fit in 256 KB', () => {
    const { summary, classification } = load('failure-oom.json');
    const lines = Array.from(
      { length: 6000 },
      (_, i) =>
        `2020-03-16T15:34:${String(i % 60).padStart(2, '0')}.000Z\tCONTAINER:app\tline ${i} ${'x'.repeat(60)}`,
    );
    const attributes = notificationAttributes(summary, classification);

    const body = notificationBody({ summary, classification, traceText: lines.join('\n'), attributes });

    expect(utf8Bytes(body) + attributeBytes(attributes)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(utf8Bytes(body) + attributeBytes(attributes)).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES - 200);
    expect(body.startsWith(classification.diagnosis)).toBe(true);
    expect(body).toContain(lines[0]);
    expect(body.endsWith(`${lines.at(-1)}\n`)).toBe(true);
    expect(body).toMatch(/\n\[\.\.\. tracer cut \d+ bytes here to fit the SNS message size limit \.\.\.\]\n/);
  });

  it.each([
    ['a 2-byte character', 'é'],
    ['a 3-byte character', '日'],
    ['a 4-byte character', '🚀'],
  ])('never splits %s right at the cut', (_name, char) => {
    const { summary, classification } = load('failure-oom.json');
    // One long line of the character, so the cut cannot retreat to a line end and lands inside it.
    const traceText = char.repeat(Math.ceil(400_000 / utf8Bytes(char)));

    const body = notificationBody({ summary, classification, traceText });

    expect(utf8Bytes(body)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(body).not.toContain('\uFFFD');
    expect(Buffer.from(body, 'utf8').toString('utf8')).toBe(body);
    expect(body).toMatch(new RegExp(`${char}\\n\\[\\.\\.\\. tracer cut \\d+ bytes`, 'u'));
  });
});

describe('cutMiddle', () => {
  it('returns text that fits exactly unchanged', () => {
    const text = `${'a'.repeat(97)}日`;

    expect(cutMiddle(text, 100)).toBe(text);
  });

  it('cuts text one byte over the limit, ending on a whole multibyte character', () => {
    const text = `${'日'.repeat(200)}`;

    const cut = cutMiddle(text, utf8Bytes(text) - 1);

    expect(utf8Bytes(cut)).toBeLessThan(utf8Bytes(text));
    expect(cut).not.toContain('\uFFFD');
    expect(cut).toMatch(/^日+\n\[\.\.\. tracer cut \d+ bytes[^\n]+\]\n日+$/u);
  });

  it('keeps whole lines when line ends are near the cut', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');

    const cut = cutMiddle(text, 300);

    const kept = cut.split('\n').filter((line) => !line.startsWith('[... tracer cut'));
    for (const line of kept) expect(line).toMatch(/^line \d+$/);
    expect(kept[0]).toBe('line 0');
    expect(kept.at(-1)).toBe('line 99');
  });

  it('keeps a prefix and a suffix of any text within the limit', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.integer({ min: 120, max: 600 }),
        (text, maxBytes) => {
          const cut = cutMiddle(text, maxBytes);
          expect(utf8Bytes(cut)).toBeLessThanOrEqual(maxBytes);
          if (utf8Bytes(text) <= maxBytes) {
            expect(cut).toBe(text);
            return;
          }
          const match = /^([\s\S]*?)\n?\[\.\.\. tracer cut (\d+) bytes here[^\n]*\]\n([\s\S]*)$/.exec(cut);
          expect(match).not.toBeNull();
          const [, head = '', cutBytes = '0', tail = ''] = match ?? [];
          expect(text.startsWith(head)).toBe(true);
          expect(text.endsWith(tail)).toBe(true);
          expect(utf8Bytes(head) + Number(cutBytes) + utf8Bytes(tail)).toBe(utf8Bytes(text));
        },
      ),
    );
  });
});

describe('chatbotNotification', () => {
  it('emits the custom-notification schema with the diagnosis, next steps and context', () => {
    const { summary, classification } = load('failure-image-pull.json');

    const message = chatbotMessage({
      summary,
      classification,
      traceText: REFERENCE_TRACE,
      apiUrl: 'https://api.example.com',
    });

    expect(message).toMatchObject({
      version: '1.0',
      source: 'custom',
      id: summary.taskArn,
      content: {
        textType: 'client-markdown',
        title: 'Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)',
        nextSteps: [
          classification.hint,
          'Full trace: https://api.example.com/clusters/default/tasks/9f654c76cde14c7c85cf54dce087658a/trace',
          'Run `tracer default 9f654c76cde14c7c85cf54dce087658a`',
          'See the timeline: `tracer ui default 9f654c76cde14c7c85cf54dce087658a`',
        ],
        keywords: ['default', 'image-pull'],
      },
      metadata: {
        summary: 'Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)',
        eventType: 'ECS task failed',
        relatedResources: [summary.taskArn, summary.taskDefinitionArn],
        additionalContext: {
          cluster: 'default',
          group: 'family:nginx',
          stopCode: 'TaskFailedToStart',
          failureKind: 'image-pull',
          taskId: '9f654c76cde14c7c85cf54dce087658a',
        },
      },
    });
    expect(message.content.description).toBe(
      `*${classification.diagnosis}*\n\`\`\`\n${REFERENCE_TRACE}\n\`\`\``,
    );
  });

  it("names another account's cluster by its ARN in the next steps, and by its name in title and keywords", () => {
    const { summary, classification } = loadForeign('failure-image-pull.json');

    const message = chatbotMessage({
      summary,
      classification,
      traceText: REFERENCE_TRACE,
      apiUrl: 'https://api.example.com',
      home: HOME,
    });

    expect(message.content.nextSteps).toEqual([
      classification.hint,
      `Full trace: https://api.example.com/clusters/${FOREIGN_CLUSTER_SEGMENT}/tasks/9f654c76cde14c7c85cf54dce087658a/trace`,
      `Run \`tracer ${FOREIGN_CLUSTER_ARN} 9f654c76cde14c7c85cf54dce087658a\``,
      `See the timeline: \`tracer ui ${FOREIGN_CLUSTER_ARN} 9f654c76cde14c7c85cf54dce087658a\``,
    ]);
    expect(message.content.title).toBe('Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)');
    expect(message.content.keywords).toEqual(['default', 'image-pull']);
    expect(message.metadata.relatedResources[0]).toBe(
      'arn:aws:ecs:us-west-2:222233334444:task/default/9f654c76cde14c7c85cf54dce087658a',
    );
  });

  it('keeps the end of a long trace within the description limit', () => {
    const { summary, classification } = load('failure-oom.json');
    const lines = Array.from({ length: 500 }, (_, i) => `t\tCONTAINER:app\tline ${i}`);

    const message = chatbotMessage({ summary, classification, traceText: lines.join('\n') });

    expect(message.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.descriptionChars);
    expect(message.content.description).toContain('line 499');
    expect(message.content.description).not.toContain('\tline 0\n');
    expect(message.content.nextSteps).toHaveLength(3);
  });

  it('keeps one code block when the trace itself contains a fence', () => {
    const { summary, classification } = load('failure-oom.json');

    const message = chatbotMessage({ summary, classification, traceText: 't\tCONTAINER:app\t```rm -rf```' });

    expect(message.content.description.match(/```/g)).toHaveLength(2);
  });

  it('cuts a single trace line longer than the description limit', () => {
    const { summary, classification } = load('failure-oom.json');

    const message = chatbotMessage({
      summary,
      classification,
      traceText: `t\tCONTAINER:app\t${'y'.repeat(10_000)}`,
    });

    expect(message.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.descriptionChars);
    expect(message.content.description).toMatch(/y\.\.\.\n```$/);
  });
});

interface DecisionCase {
  readonly name: string;
  readonly fixture: string;
  readonly settings: NotifySettings;
  readonly notify: boolean;
  readonly reason?: RegExp;
}

const DECISIONS: readonly DecisionCase[] = [
  { name: 'a failure by default', fixture: 'failure-image-pull.json', settings: {}, notify: true },
  {
    name: 'no clean stop by default',
    fixture: 'failure-user-stop.json',
    settings: {},
    notify: false,
    reason: /notifyOnEveryStop is off/,
  },
  {
    name: 'no Spot interruption by default',
    fixture: 'failure-spot-interruption.json',
    settings: {},
    notify: false,
    reason: /notifySpotInterruptions is off/,
  },
  {
    name: 'a Spot interruption when asked',
    fixture: 'failure-spot-interruption.json',
    settings: { notifySpotInterruptions: true },
    notify: true,
  },
  {
    name: 'a Spot interruption that failureKinds names',
    fixture: 'failure-spot-interruption.json',
    settings: { failureKinds: ['spot-interruption'] },
    notify: true,
  },
  {
    name: 'a clean stop with notifyOnEveryStop',
    fixture: 'failure-user-stop.json',
    settings: { notifyOnEveryStop: true },
    notify: true,
  },
  {
    name: 'every kind with notifyOnEveryStop',
    fixture: 'failure-image-pull.json',
    settings: { notifyOnEveryStop: true, failureKinds: ['out-of-memory'] },
    notify: true,
  },
  {
    name: 'no cluster outside includeClusters',
    fixture: 'failure-image-pull.json',
    settings: { includeClusters: ['prod'] },
    notify: false,
    reason: /cluster default is not in includeClusters/,
  },
  {
    name: 'a cluster in includeClusters',
    fixture: 'failure-image-pull.json',
    settings: { includeClusters: ['prod', 'default'] },
    notify: true,
  },
  {
    name: 'an empty include list as no filter',
    fixture: 'failure-image-pull.json',
    settings: { includeClusters: [], includeServices: [], includeGroups: [], failureKinds: [] },
    notify: true,
  },
  {
    name: 'no cluster in excludeClusters, even with notifyOnEveryStop',
    fixture: 'failure-image-pull.json',
    settings: { excludeClusters: ['default'], notifyOnEveryStop: true },
    notify: false,
    reason: /excludeClusters/,
  },
  {
    name: 'a service in includeServices',
    fixture: 'failure-essential-exit.json',
    settings: { includeServices: ['example-api-v1'] },
    notify: true,
  },
  {
    name: 'no standalone task when includeServices is set',
    fixture: 'failure-image-pull.json',
    settings: { includeServices: ['example-api-v1'] },
    notify: false,
    reason: /service \(none\) is not in includeServices/,
  },
  {
    name: 'no service in excludeServices',
    fixture: 'failure-essential-exit.json',
    settings: { excludeServices: ['example-api-v1'] },
    notify: false,
    reason: /excludeServices/,
  },
  {
    name: 'a group in includeGroups',
    fixture: 'failure-image-pull.json',
    settings: { includeGroups: ['family:nginx'] },
    notify: true,
  },
  {
    name: 'no group outside includeGroups',
    fixture: 'failure-essential-exit.json',
    settings: { includeGroups: ['family:nginx'] },
    notify: false,
    reason: /includeGroups/,
  },
  {
    name: 'no group in excludeGroups',
    fixture: 'failure-image-pull.json',
    settings: { excludeGroups: ['family:nginx'] },
    notify: false,
    reason: /excludeGroups/,
  },
  {
    name: 'no failure kind outside failureKinds',
    fixture: 'failure-image-pull.json',
    settings: { failureKinds: ['out-of-memory'] },
    notify: false,
    reason: /failure kind image-pull is not in failureKinds/,
  },
  {
    name: 'a failure kind in failureKinds',
    fixture: 'failure-oom.json',
    settings: { failureKinds: ['out-of-memory'] },
    notify: true,
  },
];

describe('notifyDecision', () => {
  it.each(DECISIONS)('decides $name', ({ fixture, settings, notify, reason }) => {
    const { summary, classification } = load(fixture);

    const decision = notifyDecision(classification, summary, settings);

    expect(decision.notify).toBe(notify);
    if (!decision.notify && reason) expect(decision.reason).toMatch(reason);
    expect(shouldNotify(classification, summary, settings)).toBe(notify);
  });
});
