/**
 * What a failure notification says and how it fits SNS: the subject, the body with its diagnosis and
 * trace, the message attributes that subscribers filter on, the AWS Chatbot (Amazon Q Developer in chat
 * applications) custom-notification JSON, and the filters that decide whether a stop is worth a message.
 * Pure: no I/O and no clock.
 */
import { serviceOfGroup } from './arn.js';
import { clusterArn, clusterIdOfTask, type HomeScope, isHomeCluster } from './cluster-id.js';
import type { FailureClassification } from './failure.js';
import type { TaskSummary } from './model.js';
import type { NotifySettings } from './notify-settings.js';

/** SNS wants a subject of "less than 100 characters": 99 keeps it inside that wording. */
export const SNS_MAX_SUBJECT_CHARS = 99;
/** SNS's message size limit, counting the message and every attribute's name, type and value. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** Attribute values stay far below the message limit; ECS names are at most 255 characters anyway. */
export const MAX_ATTRIBUTE_VALUE_CHARS = 1024;
/** The SNS data type of every attribute tracer sets. */
export const ATTRIBUTE_DATA_TYPE = 'String';

/**
 * Limits of the custom-notification JSON. The documented schema names the fields; these bounds are
 * conservative so that Slack (3,000 characters in a section) and Teams render the message in one piece.
 */
export const CHATBOT_LIMITS = {
  titleChars: 250,
  descriptionChars: 3000,
  nextStepChars: 300,
  nextSteps: 5,
  keywordChars: 75,
  keywords: 5,
  contextValueChars: 256,
} as const;

const ELLIPSIS = '...';

/** Cuts text to `maxChars` UTF-16 units with `...`, never between the halves of a surrogate pair. */
function cutChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let keep = Math.max(0, maxChars - ELLIPSIS.length);
  const code = text.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep -= 1;
  return text.slice(0, keep) + ELLIPSIS;
}

/** Printable ASCII only: line breaks and tabs become spaces, anything else outside 0x20-0x7E becomes `?`. */
function printableAscii(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e) out += char;
    else if (char === '\n' || char === '\r' || char === '\t') out += ' ';
    else out += '?';
  }
  return out;
}

function kindLabel(classification?: FailureClassification): string | undefined {
  if (!classification || classification.kind === 'not-failed') return undefined;
  return classification.kind;
}

/**
 * The SNS subject: `Tracer: <task id> on <cluster>`, with the failure kind in parentheses when it fits.
 * Printable ASCII, no line breaks, at most {@link SNS_MAX_SUBJECT_CHARS} characters, cut with `...`.
 * @example notificationSubject(summary, classification) === 'Tracer: 9f654c76cde14c7c85cf54dce087658a on default (image-pull)'
 */
export function notificationSubject(summary: TaskSummary, classification?: FailureClassification): string {
  const base = printableAscii(`Tracer: ${summary.taskId} on ${summary.clusterName}`);
  const kind = kindLabel(classification);
  const withKind = kind ? `${base} (${kind})` : base;
  if (withKind.length <= SNS_MAX_SUBJECT_CHARS) return withKind;
  return cutChars(base, SNS_MAX_SUBJECT_CHARS);
}

/**
 * The message attributes that subscribers filter on (SNS filter policies): cluster, service, group,
 * stopCode and failureKind, all of SNS type String. Empty values are left out; values are bounded.
 * @example notificationAttributes(summary, classification).failureKind === 'image-pull'
 */
export function notificationAttributes(
  summary: TaskSummary,
  classification: FailureClassification,
): Record<string, string> {
  const candidates: Record<string, string | undefined> = {
    cluster: summary.clusterName,
    service: serviceOfGroup(summary.group),
    group: summary.group,
    stopCode: summary.stopCode,
    failureKind: classification.kind,
  };
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(candidates)) {
    const trimmed = value?.trim();
    if (trimmed) attributes[name] = cutChars(trimmed, MAX_ATTRIBUTE_VALUE_CHARS);
  }
  return attributes;
}

/**
 * The bytes SNS counts for message attributes: each name, data type and value in UTF-8.
 * @example attributeBytes({ cluster: 'default' }) === 'cluster'.length + 'String'.length + 'default'.length
 */
export function attributeBytes(attributes: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [name, value] of Object.entries(attributes)) {
    total += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(ATTRIBUTE_DATA_TYPE, 'utf8');
    total += Buffer.byteLength(value, 'utf8');
  }
  return total;
}

/**
 * The trace API address of a task, or undefined when no API URL is configured. `cluster` is a name or a
 * cluster ARN; either is URL-encoded into its path segment.
 * @example traceUrl('https://api.example.com/prod/', 'default', 'abc') === 'https://api.example.com/prod/clusters/default/tasks/abc/trace'
 */
export function traceUrl(apiUrl: string | undefined, cluster: string, taskId: string): string | undefined {
  const base = apiUrl?.trim().replace(/\/+$/, '');
  if (!base) return undefined;
  return `${base}/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(taskId)}/trace`;
}

/**
 * How a notification names a task's cluster in its link and commands: the name for a cluster of `home`
 * (what subscribers have always been sent), the cluster ARN for any other account or region, because
 * a name that two recorded clusters carry would be refused as ambiguous. Without `home`, the name.
 * @example notifiedCluster(summaryOfAccount222233334444, home) === 'arn:aws:ecs:us-west-2:222233334444:cluster/prod'
 */
export function notifiedCluster(summary: TaskSummary, home?: HomeScope): string {
  if (home === undefined) return summary.clusterName;
  const id = clusterIdOfTask(summary);
  return isHomeCluster(id, home) ? summary.clusterName : clusterArn(id);
}

const CUT_SEARCH_BYTES = 16_384;
const NEWLINE = 0x0a;

function isContinuationByte(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

function cutMarker(cutBytes: number): string {
  return `[... tracer cut ${cutBytes} bytes here to fit the SNS message size limit ...]`;
}

/**
 * Fits text into `maxBytes` of UTF-8 by keeping its beginning and its end with a marker line in between.
 * Cuts at line ends when one is near, and never inside a multibyte character.
 * @example cutMiddle('a\n'.repeat(100), 60).includes('[... tracer cut')
 */
export function cutMiddle(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // The marker's own size depends on how much is cut; reserve for the largest count and two line breaks.
  const reserved = Buffer.byteLength(cutMarker(bytes.length), 'utf8') + 2;
  const budget = maxBytes - reserved;
  if (budget <= 0) return cutMarker(bytes.length).slice(0, Math.max(0, maxBytes));

  let headEnd = Math.floor(budget / 2);
  while (headEnd > 0 && isContinuationByte(bytes[headEnd])) headEnd -= 1;
  // A negative offset would search from the end, so only look back from a positive head.
  const lineEnd = headEnd > 0 ? bytes.lastIndexOf(NEWLINE, headEnd - 1) : -1;
  if (lineEnd >= 0 && headEnd - lineEnd <= CUT_SEARCH_BYTES) headEnd = lineEnd + 1;

  let tailStart = bytes.length - (budget - headEnd);
  while (tailStart < bytes.length && isContinuationByte(bytes[tailStart])) tailStart += 1;
  if (bytes[tailStart - 1] !== NEWLINE) {
    const lineStart = bytes.indexOf(NEWLINE, tailStart);
    if (lineStart >= 0 && lineStart - tailStart < CUT_SEARCH_BYTES) tailStart = lineStart + 1;
  }

  const head = bytes.subarray(0, headEnd).toString('utf8');
  const tail = bytes.subarray(tailStart).toString('utf8');
  const separator = head === '' || head.endsWith('\n') ? '' : '\n';
  return `${head}${separator}${cutMarker(tailStart - headEnd)}\n${tail}`;
}

/** What the body and the Chatbot message are built from. */
export interface NotificationContent {
  readonly summary: TaskSummary;
  readonly classification: FailureClassification;
  /** The text trace (`<timestamp>\t<source>\t<message>` lines). */
  readonly traceText: string;
  /** The trace API's base URL; without it the message carries no link. */
  readonly apiUrl?: string;
  /**
   * The deployment's own account and region: a task of any other is named by its cluster ARN.
   * @default - every task is named by its cluster name
   */
  readonly home?: HomeScope;
}

/**
 * The command that opens a task's timeline in the browser; `cluster` is a name or a cluster ARN.
 * @example uiCommand('default', '9f654c76cde14c7c85cf54dce087658a') === 'tracer ui default 9f654c76cde14c7c85cf54dce087658a'
 */
export function uiCommand(cluster: string, taskId: string): string {
  return `tracer ui ${cluster} ${taskId}`;
}

function headerLines(content: NotificationContent): string[] {
  const { summary, classification, apiUrl } = content;
  const cluster = notifiedCluster(summary, content.home);
  const lines = [classification.diagnosis];
  if (classification.hint) lines.push(`Hint: ${classification.hint}`);
  const url = traceUrl(apiUrl, cluster, summary.taskId);
  if (url) lines.push(`Trace: ${url}`);
  lines.push(`CLI: tracer ${cluster} ${summary.taskId}`);
  lines.push(`Timeline: ${uiCommand(cluster, summary.taskId)}`);
  return lines;
}

/**
 * The SNS message body: the diagnosis, the hint, a link to the trace API when configured and the CLI
 * command, then the text trace. Cut in the middle so that body and attributes stay within
 * {@link SNS_MAX_MESSAGE_BYTES} as SNS counts them.
 * @example notificationBody({ summary, classification, traceText, attributes }).startsWith(classification.diagnosis)
 */
export function notificationBody(
  content: NotificationContent & { readonly attributes?: Readonly<Record<string, string>> },
): string {
  const trace = content.traceText.endsWith('\n') ? content.traceText : `${content.traceText}\n`;
  const body = `${headerLines(content).join('\n')}\n\n${trace}`;
  return cutMiddle(body, SNS_MAX_MESSAGE_BYTES - attributeBytes(content.attributes ?? {}));
}

/** Keeps the last lines of a text that fit in `maxChars`, so the stop and the final log lines survive. */
function lastLines(text: string, maxChars: number): string {
  const lines = text.split('\n').filter((line) => line !== '');
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i] ?? '';
    if (size + line.length + 1 > maxChars) {
      if (kept.length === 0) kept.unshift(cutChars(line, maxChars));
      break;
    }
    kept.unshift(line);
    size += line.length + 1;
  }
  return kept.join('\n');
}

/**
 * The AWS Chatbot (Amazon Q Developer in chat applications) custom notification for Slack and Teams:
 * the diagnosis and the end of the trace in the description, the hint, the trace link and the CLI
 * command as next steps, and filterable context in the metadata. Within {@link CHATBOT_LIMITS}.
 * @example JSON.parse(chatbotNotification({ summary, classification, traceText })).source === 'custom'
 */
export function chatbotNotification(content: NotificationContent): string {
  const { summary, classification, apiUrl } = content;
  const subject = notificationSubject(summary, classification);
  const intro = `*${classification.diagnosis}*`;
  // A trace line with a fence would end the code block early.
  const trace = content.traceText.replace(/```/g, "'''");
  const fence = (text: string) => `\n\`\`\`\n${text}\n\`\`\``;
  const room = CHATBOT_LIMITS.descriptionChars - intro.length - fence('').length;
  const description =
    room > 0 && trace.trim() !== ''
      ? `${intro}${fence(lastLines(trace, room))}`
      : cutChars(intro, CHATBOT_LIMITS.descriptionChars);

  const cluster = notifiedCluster(summary, content.home);
  const url = traceUrl(apiUrl, cluster, summary.taskId);
  const nextSteps = [
    classification.hint,
    url ? `Full trace: ${url}` : undefined,
    `Run \`tracer ${cluster} ${summary.taskId}\``,
    `See the timeline: \`${uiCommand(cluster, summary.taskId)}\``,
  ]
    .filter((step): step is string => step !== undefined && step !== '')
    .slice(0, CHATBOT_LIMITS.nextSteps)
    .map((step) => cutChars(step, CHATBOT_LIMITS.nextStepChars));

  const keywords = [summary.clusterName, serviceOfGroup(summary.group), classification.kind]
    .filter((keyword): keyword is string => keyword !== undefined && keyword !== '')
    .slice(0, CHATBOT_LIMITS.keywords)
    .map((keyword) => cutChars(keyword, CHATBOT_LIMITS.keywordChars));

  const context: Record<string, string> = {};
  for (const [name, value] of Object.entries(notificationAttributes(summary, classification))) {
    context[name] = cutChars(value, CHATBOT_LIMITS.contextValueChars);
  }
  context.taskId = summary.taskId;

  const relatedResources = [summary.taskArn, summary.taskDefinitionArn].filter(
    (arn): arn is string => arn !== undefined,
  );
  return JSON.stringify({
    version: '1.0',
    source: 'custom',
    id: summary.taskArn,
    content: {
      textType: 'client-markdown',
      title: cutChars(subject, CHATBOT_LIMITS.titleChars),
      description,
      nextSteps,
      keywords,
    },
    metadata: {
      summary: subject,
      eventType: classification.failed ? 'ECS task failed' : 'ECS task stopped',
      relatedResources,
      additionalContext: context,
    },
  });
}

/** Whether a stop is worth a notification, and why not when it is not (for the logs). */
export type NotifyDecision = { readonly notify: true } | { readonly notify: false; readonly reason: string };

const listed = (list: readonly string[] | undefined): list is readonly string[] =>
  list !== undefined && list.length > 0;

/**
 * Applies the notifier's settings. Scope first: include and exclude lists of clusters, services (a
 * standalone task has no service, so an include list of services leaves it out) and task groups; an
 * empty list counts as absent. Then the kind: failures notify unless `failureKinds` leaves their kind out;
 * Spot interruptions only with `notifySpotInterruptions` or when `failureKinds` names them, drains
 * (`host-drained`) likewise only with `notifyHostDrains`; clean stops
 * only with `notifyOnEveryStop`, which also lets every kind through.
 * @example notifyDecision(classification, summary, { excludeClusters: ['dev'] }).notify
 */
export function notifyDecision(
  classification: FailureClassification,
  summary: TaskSummary,
  settings: NotifySettings,
): NotifyDecision {
  const cluster = summary.clusterName;
  const service = serviceOfGroup(summary.group);
  const group = summary.group;
  if (listed(settings.includeClusters) && !settings.includeClusters.includes(cluster)) {
    return { notify: false, reason: `cluster ${cluster} is not in includeClusters` };
  }
  if (settings.excludeClusters?.includes(cluster)) {
    return { notify: false, reason: `cluster ${cluster} is in excludeClusters` };
  }
  if (listed(settings.includeServices) && !(service && settings.includeServices.includes(service))) {
    return { notify: false, reason: `service ${service ?? '(none)'} is not in includeServices` };
  }
  if (service && settings.excludeServices?.includes(service)) {
    return { notify: false, reason: `service ${service} is in excludeServices` };
  }
  if (listed(settings.includeGroups) && !(group && settings.includeGroups.includes(group))) {
    return { notify: false, reason: `group ${group ?? '(none)'} is not in includeGroups` };
  }
  if (group && settings.excludeGroups?.includes(group)) {
    return { notify: false, reason: `group ${group} is in excludeGroups` };
  }
  if (settings.notifyOnEveryStop) return { notify: true };
  const kinds = listed(settings.failureKinds) ? settings.failureKinds : undefined;
  if (classification.kind === 'not-failed') {
    return { notify: false, reason: 'the task did not fail and notifyOnEveryStop is off' };
  }
  if (classification.kind === 'spot-interruption') {
    if (settings.notifySpotInterruptions || kinds?.includes('spot-interruption')) return { notify: true };
    return { notify: false, reason: 'Spot interruptions are not notified (notifySpotInterruptions is off)' };
  }
  if (classification.kind === 'host-drained') {
    if (settings.notifyHostDrains || kinds?.includes('host-drained')) return { notify: true };
    return {
      notify: false,
      reason: 'tasks moved off a drained container instance are not notified (notifyHostDrains is off)',
    };
  }
  if (kinds && !kinds.includes(classification.kind)) {
    return { notify: false, reason: `failure kind ${classification.kind} is not in failureKinds` };
  }
  return { notify: true };
}

/**
 * True when the stop is worth a notification under the settings (see {@link notifyDecision}).
 * @example shouldNotify(classification, summary, {}) === classification.failed
 */
export function shouldNotify(
  classification: FailureClassification,
  summary: TaskSummary,
  settings: NotifySettings,
): boolean {
  return notifyDecision(classification, summary, settings).notify;
}
