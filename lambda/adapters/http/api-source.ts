/**
 * The client of tracer's HTTP API. It signs requests with SigV4 (`execute-api`) using the standard AWS
 * credential chain, except for a plain-HTTP loopback endpoint (the local mode), which takes no credentials.
 * The SDK's credential providers and the signer are loaded only when a request must be signed.
 */
import type {
  ClusterListFilter,
  TaskListFilters,
  TraceRequest,
  TracerSource,
  TraceText,
} from '../../cli/source.js';
import type {
  ClusterListResponse,
  TaskListResponse,
  TaskSummaryResponse,
  TraceResponse,
} from '../../core/api-types.js';
import { AmbiguousClusterError, type ClusterRef, clusterIdOfArn } from '../../core/cluster-id.js';
import { InvalidInputError, type TracerError } from '../../core/errors.js';
import { clusterPathSegment } from '../../core/request/params.js';
import {
  ApiProtocolError,
  ApiResponseError,
  ApiUnreachableError,
  CredentialsUnavailableError,
  RegionUnavailableError,
} from './api-errors.js';
import { type HttpAnswer, type HttpCall, sendHttp } from './http-transport.js';
import { isLoopbackHttp } from './loopback.js';
import {
  DEFAULT_RETRY_POLICY,
  nextRetryDelayMs,
  parseRetryAfterMs,
  RETRYABLE_STATUS,
  type RetryPolicy,
} from './retry-policy.js';
import { planSigning } from './signing-policy.js';
import type { RequestSigner, SigningCredentials } from './sigv4-signer.js';

export { isLoopbackHttp } from './loopback.js';

/** The header that carries the cursor of the next page of a text trace. */
export const NEXT_CURSOR_HEADER = 'x-tracer-next-cursor';

export interface ApiSourceOptions {
  /** The API's base URL, stage included: `https://abc123.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly endpoint: string;
  /**
   * `auto` follows the signing policy (signing-policy.ts): https to API Gateway or to `signHost` is signed,
   * http to loopback is not, anything else is refused. `sigv4` signs over https or to a loopback test
   * server; `none` never signs. Plain http to any other host is always refused.
   * @default 'auto'
   */
  readonly signing?: 'auto' | 'sigv4' | 'none';
  /** A custom domain that may receive signed requests (`--sign-host`). @default - API Gateway hosts only */
  readonly signHost?: string;
  /** Sends one request; tests pass one that records it. @default sendHttp */
  readonly transport?: (call: HttpCall) => Promise<HttpAnswer>;
  /** The profile of the credential chain. @default - AWS_PROFILE, then the default chain */
  readonly profile?: string;
  /**
   * The signing region when the endpoint's host does not name one (a custom domain). An `execute-api` host
   * always signs with its own region.
   * @default - the profile's region
   */
  readonly region?: string;
  /** Credentials to sign with instead of the default chain (tests, embedding). */
  readonly credentials?: SigningCredentials | (() => Promise<SigningCredentials>);
  /** @default 30_000 (API Gateway's own limit is 29 s) */
  readonly timeoutMs?: number;
  /**
   * Attempts for throttled (429) and unavailable (502, 503, 504) answers and reset connections.
   * @default DEFAULT_RETRY_POLICY.maxAttempts (4)
   */
  readonly maxAttempts?: number;
  /** The most time spent waiting between the attempts of one request. @default 20_000 */
  readonly maxTotalWaitMs?: number;
  /** Waits between attempts; tests pass a function that does not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The clock that an HTTP-date `Retry-After` is read against. @default Date.now */
  readonly nowMs?: () => number;
  /** The jitter of the backoff, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Sent as `user-agent`. */
  readonly userAgent?: string;
  /** Fixed signing time, for tests. */
  readonly signingDate?: Date;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const EXECUTE_API_HOST = /^[^.]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/**
 * The region in an API Gateway host name, or undefined for any other host.
 * @example regionOfExecuteApiHost('abc.execute-api.eu-west-1.amazonaws.com') === 'eu-west-1'
 */
export function regionOfExecuteApiHost(hostname: string): string | undefined {
  return EXECUTE_API_HOST.exec(hostname.toLowerCase())?.[1];
}

/**
 * Turns milliseconds into the Go-style duration the API takes, in the largest exact unit.
 * @example formatDurationParam(90_000) === '90s'
 */
export function formatDurationParam(durationMs: number): string {
  if (durationMs > 0 && durationMs % 3_600_000 === 0) return `${durationMs / 3_600_000}h`;
  if (durationMs > 0 && durationMs % 60_000 === 0) return `${durationMs / 60_000}m`;
  if (durationMs % 1000 === 0) return `${durationMs / 1000}s`;
  return `${durationMs}ms`;
}

// The API ends a text page that has a successor with `<timestamp>\tTRACER\tmore lines follow: …`, for
// readers of the raw HTTP answer; the client follows the cursor header itself, so the line would only
// interrupt the joined trace.
const PAGING_NOTICE = /^[^\t\n]*\tTRACER\tmore lines follow: repeat the request with cursor=[^\n]*\n?$/;

/**
 * A text page without the API's closing paging notice; any other text is returned unchanged.
 * @example withoutPagingNotice('…\tAPP\tok\n…\tTRACER\tmore lines follow: repeat the request with cursor=x\n') === '…\tAPP\tok\n'
 */
export function withoutPagingNotice(text: string): string {
  const end = text.endsWith('\n') ? text.length - 1 : text.length;
  const start = text.lastIndexOf('\n', end - 1) + 1;
  return PAGING_NOTICE.test(text.slice(start)) ? text.slice(0, start) : text;
}

/**
 * The query that narrows a cluster name to an account or region; a cluster with both travels as its ARN
 * in the path instead.
 */
function clusterQuery(cluster: ClusterRef): Record<string, string | undefined> {
  if (cluster.account !== undefined && cluster.region !== undefined) return {};
  return { account: cluster.account, region: cluster.region };
}

/** A 409 `AmbiguousCluster` answer as the error the API raised, with the ARNs it lists. */
function ambiguousClusterOf(body: unknown): AmbiguousClusterError | undefined {
  if (!isRecord(body) || !isRecord(body.error) || body.error.code !== 'AmbiguousCluster') return undefined;
  const arns = body.error.clusterArns;
  if (!Array.isArray(arns) || !arns.every((arn) => typeof arn === 'string')) return undefined;
  const name = arns.map((arn) => clusterIdOfArn(arn)?.name).find((n) => n !== undefined);
  return name === undefined ? undefined : new AmbiguousClusterError(name, arns);
}

function oneLine(text: string, maxChars = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

type JsonRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Shallow checks: enough to tell tracer's API from a wrong URL, while tolerating fields added later.
const isClusterList = (v: unknown): v is ClusterListResponse => isRecord(v) && Array.isArray(v.clusters);
const isTaskList = (v: unknown): v is TaskListResponse => isRecord(v) && Array.isArray(v.tasks);
const isTaskSummary = (v: unknown): v is TaskSummaryResponse => isRecord(v) && typeof v.taskId === 'string';
const isTrace = (v: unknown): v is TraceResponse =>
  isRecord(v) && Array.isArray(v.lines) && isRecord(v.task) && typeof v.logCalls === 'number';

/** Reads tasks and traces from tracer's HTTP API. */
export class ApiSource implements TracerSource {
  readonly description: string;
  private readonly base: URL;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly nowMs: () => number;
  private readonly random: () => number;
  private readonly signs: boolean;
  private signer?: Promise<RequestSigner>;

  constructor(private readonly options: ApiSourceOptions) {
    let base: URL;
    try {
      base = new URL(options.endpoint);
    } catch (cause) {
      throw new InvalidInputError(`endpoint "${options.endpoint}" is not a URL`, { cause });
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new InvalidInputError(`endpoint "${options.endpoint}" must start with https:// or http://`);
    }
    if (base.protocol === 'http:' && !isLoopbackHttp(base)) planSigning(base);
    base.search = '';
    base.hash = '';
    this.base = base;
    // The stage (`/prod`) stays part of every path; a trailing slash would double the separator.
    this.basePath = base.pathname.replace(/\/+$/, '');
    const signing = options.signing ?? 'auto';
    this.signs =
      signing === 'sigv4' || (signing === 'auto' && planSigning(base, options.signHost).kind === 'sign');
    this.description = `${base.origin}${this.basePath}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retryPolicy = {
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts),
      maxTotalWaitMs: options.maxTotalWaitMs ?? DEFAULT_RETRY_POLICY.maxTotalWaitMs,
    };
    this.sleep = options.sleep ?? defaultSleep;
    this.nowMs = options.nowMs ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Whether requests are SigV4-signed. */
  get signed(): boolean {
    return this.signs;
  }

  async listClusters(filter: ClusterListFilter = {}): Promise<ClusterListResponse> {
    const answer = await this.get(
      ['clusters'],
      { account: filter.account, region: filter.region },
      'application/json',
    );
    return this.parseJson(answer, 'a cluster list', isClusterList);
  }

  async listTasks(cluster: ClusterRef, filters: TaskListFilters = {}): Promise<TaskListResponse> {
    const answer = await this.get(
      ['clusters', clusterPathSegment(cluster), 'tasks'],
      {
        ...clusterQuery(cluster),
        status: filters.status,
        failed: filters.failed ? 'true' : undefined,
        since: filters.since,
        until: filters.until,
        limit: filters.limit === undefined ? undefined : String(filters.limit),
        cursor: filters.cursor,
      },
      'application/json',
    );
    return this.parseJson(answer, 'a task list', isTaskList);
  }

  async getTask(cluster: ClusterRef, task: string): Promise<TaskSummaryResponse> {
    const answer = await this.get(
      ['clusters', clusterPathSegment(cluster), 'tasks', task],
      clusterQuery(cluster),
      'application/json',
    );
    return this.parseJson(answer, 'a task summary', isTaskSummary);
  }

  async getTraceText(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceText> {
    const answer = await this.get(
      ['clusters', clusterPathSegment(cluster), 'tasks', task, 'trace'],
      { ...clusterQuery(cluster), ...this.traceQuery(request) },
      'text/plain',
    );
    const contentType = answer.headers['content-type'] ?? '';
    if (!contentType.startsWith('text/plain')) {
      throw new ApiProtocolError(
        this.description,
        `expected a text/plain trace, got ${contentType === '' ? 'no content type' : contentType}`,
      );
    }
    const nextCursor = answer.headers[NEXT_CURSOR_HEADER];
    return nextCursor ? { text: withoutPagingNotice(answer.body), nextCursor } : { text: answer.body };
  }

  async getTraceJson(cluster: ClusterRef, task: string, request: TraceRequest): Promise<TraceResponse> {
    const answer = await this.get(
      ['clusters', clusterPathSegment(cluster), 'tasks', task, 'trace'],
      { ...clusterQuery(cluster), ...this.traceQuery(request), format: 'json' },
      'application/json',
    );
    return this.parseJson(answer, 'a trace', isTrace);
  }

  close(): void {
    // Node's HTTP agent unrefs idle sockets, so there is nothing to release.
  }

  private traceQuery(request: TraceRequest): Record<string, string | undefined> {
    return {
      duration: formatDurationParam(request.durationMs),
      full: request.full ? 'true' : undefined,
      cursor: request.cursor,
      tz: request.tz,
      limit: request.limit === undefined ? undefined : String(request.limit),
      since: request.since,
    };
  }

  private urlOf(pathParts: readonly string[], query: Readonly<Record<string, string | undefined>>): URL {
    const url = new URL(this.base.href);
    url.pathname = `${this.basePath}/${pathParts.map((p) => encodeURIComponent(p)).join('/')}`;
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') url.searchParams.set(key, value);
    }
    return url;
  }

  private async get(
    pathParts: readonly string[],
    query: Readonly<Record<string, string | undefined>>,
    accept: string,
  ): Promise<HttpAnswer> {
    const url = this.urlOf(pathParts, query);
    const baseHeaders: Record<string, string> = { accept, host: url.host };
    if (this.options.userAgent) baseHeaders['user-agent'] = this.options.userAgent;
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const headers = this.signs
        ? await (await this.getSigner())({ method: 'GET', url, headers: baseHeaders })
        : baseHeaders;
      let answer: HttpAnswer;
      try {
        answer = await (this.options.transport ?? sendHttp)({
          url,
          method: 'GET',
          headers,
          timeoutMs: this.timeoutMs,
          maxBodyBytes: MAX_BODY_BYTES,
        });
      } catch (error) {
        const delayMs =
          error instanceof ApiUnreachableError && error.reason === 'connection-reset'
            ? nextRetryDelayMs(this.retryPolicy, { attempt, waitedMs }, this.random)
            : undefined;
        if (delayMs === undefined) throw error;
        await this.sleep(delayMs);
        waitedMs += delayMs;
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      if (RETRYABLE_STATUS.has(answer.status)) {
        const retryAfterMs = parseRetryAfterMs(answer.headers['retry-after'], this.nowMs());
        const delayMs = nextRetryDelayMs(
          this.retryPolicy,
          { attempt, waitedMs, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
          this.random,
        );
        if (delayMs !== undefined) {
          await this.sleep(delayMs);
          waitedMs += delayMs;
          continue;
        }
      }
      throw this.toApiError(answer, attempt);
    }
  }

  private toApiError(answer: HttpAnswer, attempts: number): TracerError {
    const requestId = answer.headers['x-amzn-requestid'] ?? answer.headers['x-amz-apigw-id'];
    const gatewayErrorType = answer.headers['x-amzn-errortype']?.split(':')[0];
    const details = {
      url: this.description,
      attempts,
      ...(requestId ? { requestId } : {}),
      ...(gatewayErrorType ? { gatewayErrorType } : {}),
    };
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      body = undefined;
    }
    const ambiguous = ambiguousClusterOf(body);
    if (ambiguous) return ambiguous;
    if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string') {
      const code = typeof body.error.code === 'string' ? body.error.code : `HTTP${answer.status}`;
      return new ApiResponseError(answer.status, code, oneLine(body.error.message), details);
    }
    if (isRecord(body) && typeof body.message === 'string') {
      // API Gateway's own refusals: {"message": "..."} with the error type in a header.
      return new ApiResponseError(
        answer.status,
        gatewayErrorType ?? `HTTP${answer.status}`,
        oneLine(body.message),
        details,
      );
    }
    const text = oneLine(answer.body, 120);
    return new ApiResponseError(
      answer.status,
      gatewayErrorType ?? `HTTP${answer.status}`,
      text === '' ? `HTTP ${answer.status}` : text,
      details,
    );
  }

  private parseJson<T>(answer: HttpAnswer, what: string, check: (value: unknown) => value is T): T {
    const contentType = answer.headers['content-type'] ?? '';
    if (!contentType.includes('json')) {
      throw new ApiProtocolError(
        this.description,
        `expected JSON (${what}), got ${contentType === '' ? 'no content type' : contentType}`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(answer.body);
    } catch (cause) {
      throw new ApiProtocolError(this.description, `the answer is not valid JSON (${what})`, { cause });
    }
    if (!check(value)) {
      throw new ApiProtocolError(this.description, `the answer is not ${what}`);
    }
    return value;
  }

  private getSigner(): Promise<RequestSigner> {
    // A failed start (no credentials yet) is not cached: a long-running MCP server retries after `aws sso login`.
    this.signer ??= this.createSigner().catch((error: unknown) => {
      this.signer = undefined;
      throw error;
    });
    return this.signer;
  }

  private async createSigner(): Promise<RequestSigner> {
    const { createSigV4Signer } = await import('./sigv4-signer.js');
    const region = await this.resolveRegion();
    const credentials = this.options.credentials ?? (await this.loadCredentials());
    return createSigV4Signer({
      region,
      service: 'execute-api',
      credentials,
      ...(this.options.signingDate ? { signingDate: this.options.signingDate } : {}),
    });
  }

  private async resolveRegion(): Promise<string> {
    const fromHost = regionOfExecuteApiHost(this.base.hostname);
    if (fromHost) return fromHost;
    if (this.options.region) return this.options.region;
    try {
      // The SDK's own region chain (AWS_REGION, then the profile's `region`), without re-implementing it.
      const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
      const client = new CloudFormationClient(this.options.profile ? { profile: this.options.profile } : {});
      try {
        return await client.config.region();
      } finally {
        client.destroy();
      }
    } catch (cause) {
      throw new RegionUnavailableError(
        `no region to sign requests to ${this.base.host} with; pass --region or set AWS_REGION`,
        { cause },
      );
    }
  }

  private async loadCredentials(): Promise<() => Promise<SigningCredentials>> {
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    const provider = fromNodeProviderChain(this.options.profile ? { profile: this.options.profile } : {});
    const profile = this.options.profile;
    const load = async (): Promise<SigningCredentials> => {
      try {
        return await provider();
      } catch (cause) {
        throw new CredentialsUnavailableError(profile, { cause });
      }
    };
    // Resolved once up front so that a missing profile fails before any request; the chain's provider is
    // memoized and refreshes temporary credentials before they expire.
    await load();
    return load;
  }
}
