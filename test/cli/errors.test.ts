import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StackOutputError } from '../../lambda/adapters/cloudformation/stack-outputs-error.js';
import {
  ApiProtocolError,
  ApiResponseError,
  ApiUnreachableError,
  CredentialsUnavailableError,
} from '../../lambda/adapters/http/api-errors.js';
import { UsageError } from '../../lambda/cli/args.js';
import { describeFailure, NoSourceError, SnsPublishError } from '../../lambda/cli/errors.js';
import { openTracerSource } from '../../lambda/cli/open-source.js';
import { AccessDeniedError, TaskNotFoundError, ThrottledError } from '../../lambda/core/errors.js';
import {
  type FakeAnswer,
  type FakeTracerApi,
  readExpectedTrace,
  startFakeTracerApi,
} from '../support/fake-tracer-api.js';
import { runTracer } from './run-cli.js';

const TASK_ID = '9f654c76cde14c7c85cf54dce087658a';
const USAGE = 'usage: tracer [flags] [CLUSTER [TASK] | TASK_ARN]   (tracer --help for more)\n';

let api: FakeTracerApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  vi.unstubAllEnvs();
});

/**
 * Runs `tracer --endpoint <fake> default <task>` against a fake that answers `answer` to everything (or
 * `answers` in turn, then the normal answers), with retries that do not really wait.
 */
async function traceAgainst(answer: FakeAnswer | readonly FakeAnswer[], waits: number[] = []) {
  const queue = Array.isArray(answer) ? [...answer] : undefined;
  api = await startFakeTracerApi({ intercept: () => (queue ? queue.shift() : (answer as FakeAnswer)) });
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return runTracer(['--endpoint', api.url, 'default', TASK_ID], {
    localTimeZone: 'Asia/Tokyo',
    deps: {
      openSource: (options, context) =>
        openTracerSource(options, { ...context, retryTiming: { sleep, random: () => 0.5 } }),
    },
  });
}

const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}): FakeAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Exactly one line on stderr, nothing on stdout, no stack trace. */
function expectOneLine(run: { stdout: string; stderr: string }, line: string) {
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(`tracer: ${line}\n`);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('tracer error paths: exit code 1 and one line that says how to fix it', () => {
  it('fails when the endpoint is unreachable', async () => {
    // Prepare
    api = await startFakeTracerApi();
    const url = api.url;
    await api.close();
    api = undefined;

    // Act
    const run = await runTracer(['--endpoint', url, 'default', TASK_ID]);

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(run, `cannot reach ${url}: connection refused; is \`npm start\` running?`);
  });

  it('fails when the API denies access (403)', async () => {
    // Act
    const run = await traceAgainst(
      jsonAnswer(
        403,
        {
          message: 'User: arn:aws:iam::123456789012:user/x is not authorized to perform: execute-api:Invoke',
        },
        { 'x-amzn-errortype': 'AccessDeniedException' },
      ),
    );

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(run, 'access denied by the API: the caller needs execute-api:Invoke');
  });

  it('fails when the API does not accept the signature (403)', async () => {
    // Act
    const run = await traceAgainst(
      jsonAnswer(
        403,
        { message: 'The request signature we calculated does not match the signature you provided.' },
        { 'x-amzn-errortype': 'InvalidSignatureException' },
      ),
    );

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(
      run,
      "the API rejected the request's signature; check the system clock and that --region is the API's region",
    );
  });

  it('fails when the credentials expired (403)', async () => {
    // Act
    const run = await traceAgainst(
      jsonAnswer(
        403,
        { message: 'The security token included in the request is expired' },
        { 'x-amzn-errortype': 'ExpiredTokenException' },
      ),
    );

    // Assess
    expectOneLine(run, 'AWS credentials have expired; run aws sso login (or refresh them) and retry');
  });

  it('fails when the task is unknown (404) and says how long tracer keeps tasks', async () => {
    // Prepare
    api = await startFakeTracerApi();

    // Act
    const run = await runTracer(['--endpoint', api.url, 'default', '00000000000000000000000000000000']);

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(
      run,
      'task 00000000000000000000000000000000 not found in cluster default (tracer keeps tasks for 90 days)',
    );
  });

  it('fails when the URL is not the API (404 from the gateway)', async () => {
    // Act
    const run = await traceAgainst({
      status: 404,
      headers: { 'content-type': 'text/html' },
      body: '<h1>Not Found</h1>',
    });

    // Assess
    expectOneLine(
      run,
      `${api?.url} has no such route (HTTP 404); check that --endpoint is the stack's ApiUrl`,
    );
  });

  it('fails when the API rejects the input (400)', async () => {
    // Act
    const run = await traceAgainst(
      jsonAnswer(400, { error: { code: 'InvalidInput', message: 'cursor "x" is not a trace cursor' } }),
    );

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(run, 'the API rejected the request: cursor "x" is not a trace cursor');
  });

  it('fails when the API fails (500) without leaking details', async () => {
    // Act
    const run = await traceAgainst(
      jsonAnswer(
        500,
        { error: { code: 'InternalError', message: 'internal error' } },
        { 'x-amzn-requestid': 'c0ffee' },
      ),
    );

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(
      run,
      "the API failed with an internal error (request id c0ffee); retry, or read the API's logs",
    );
  });

  it('fails when throttling outlasts the retries (429)', async () => {
    // Prepare
    const waits: number[] = [];

    // Act
    const run = await traceAgainst(
      jsonAnswer(429, { message: 'Too Many Requests' }, { 'retry-after': '0' }),
      waits,
    );

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(run, 'the API is throttling requests (HTTP 429, 4 attempts); wait a moment and retry');
    expect(api?.requests).toHaveLength(4);
    expect(waits).toEqual([188, 375, 750]);
  });

  it('retries a 503 Throttled as Retry-After says, then prints the trace', async () => {
    // Prepare
    const waits: number[] = [];
    const throttled = jsonAnswer(
      503,
      { error: { code: 'Throttled', message: 'the table is throttling reads' } },
      { 'retry-after': '2' },
    );

    // Act
    const run = await traceAgainst([throttled], waits);

    // Assess
    expect(run).toEqual({ code: 0, stdout: readExpectedTrace(TASK_ID), stderr: '' });
    expect(api?.requests).toHaveLength(2);
    expect(waits).toEqual([2000]);
  });

  it('fails with one line when a 503 Throttled outlasts the retries', async () => {
    // Prepare
    const waits: number[] = [];

    // Act
    const run = await traceAgainst(
      jsonAnswer(
        503,
        { error: { code: 'Throttled', message: 'the table is throttling reads' } },
        { 'retry-after': '1' },
      ),
      waits,
    );

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(
      run,
      'the API is throttled (HTTP 503, 4 attempts): the table is throttling reads; wait a moment and retry',
    );
    expect(waits).toEqual([1000, 1000, 1000]);
  });

  it('does not wait for a Retry-After longer than it would ever wait', async () => {
    // Prepare
    const waits: number[] = [];

    // Act
    const run = await traceAgainst(
      jsonAnswer(503, { error: { code: 'Throttled', message: 'slow down' } }, { 'retry-after': '120' }),
      waits,
    );

    // Assess
    expectOneLine(run, 'the API is throttled (HTTP 503): slow down; wait a moment and retry');
    expect(waits).toEqual([]);
  });

  it('fails when the endpoint answers with something that is not the API', async () => {
    // Act
    const run = await traceAgainst({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html/>',
    });

    // Assess
    expectOneLine(
      run,
      `${api?.url} did not answer like the tracer API: expected a text/plain trace, got text/html; check --endpoint`,
    );
  });

  it('fails with no credentials before sending anything to a signed endpoint', async () => {
    // Prepare
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    ]) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');

    // Act
    const run = await runTracer([
      '--endpoint',
      'https://abc123.execute-api.ap-northeast-1.amazonaws.com/prod',
      'default',
      TASK_ID,
    ]);
    const withProfile = await runTracer([
      '--endpoint',
      'https://abc123.execute-api.ap-northeast-1.amazonaws.com/prod',
      '--profile',
      'oncall',
      'default',
    ]);

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(run, 'no credentials found; set AWS_PROFILE or run aws sso login');
    expectOneLine(
      withProfile,
      'no credentials found for profile oncall; check --profile and ~/.aws/config, or run aws sso login --profile oncall',
    );
  });

  it('fails when no source is chosen', async () => {
    // Act
    const run = await runTracer(['default', TASK_ID]);

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(run, 'no endpoint: pass --endpoint, set TRACER_ENDPOINT, or use --stack NAME or --live');
  });

  it('fails with exit code 2 and the usage line for bad usage', async () => {
    // Act
    const run = await runTracer(['--endpoint', 'http://127.0.0.1:1', '--nope']);

    // Assess
    expect(run).toEqual({ code: 2, stdout: '', stderr: `tracer: unknown option --nope\n${USAGE}` });
  });

  it('fails with one line for an unexpected error, and shows the details only with TRACER_DEBUG', async () => {
    // Prepare
    const openSource = async () => {
      throw new Error('socket hang up', { cause: new Error('inner') });
    };

    // Act
    const quiet = await runTracer(['default'], { deps: { openSource } });
    const debug = await runTracer(['default'], { deps: { openSource }, env: { TRACER_DEBUG: '1' } });

    // Assess
    expectOneLine(quiet, 'unexpected error: socket hang up (set TRACER_DEBUG=1 for details)');
    expect(debug.stderr).toMatch(/^tracer: unexpected error: socket hang up/);
    expect(debug.stderr).toContain('caused by:');
    expect(debug.stderr).toContain('Error: inner');
  });
});

describe('tracer --stack NAME', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  beforeEach(() => {
    cloudFormation.reset();
  });

  it("reads the API URL from the stack's ApiUrl output and prints the trace", async () => {
    // Prepare
    api = await startFakeTracerApi();
    cloudFormation.on(DescribeStacksCommand, { StackName: 'Tracer' }).resolves({
      Stacks: [
        {
          StackName: 'Tracer',
          CreationTime: new Date(0),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'TopicArn', OutputValue: 'arn:aws:sns:ap-northeast-1:123456789012:t' },
            { OutputKey: 'ApiUrl', OutputValue: api.url },
          ],
        },
      ],
    });

    // Act
    const run = await runTracer(['--stack', 'Tracer', '--region', 'ap-northeast-1', 'default', TASK_ID]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(readExpectedTrace(TASK_ID));
  });

  it('finds an ApiUrl output whose key a nested construct prefixed', async () => {
    // Prepare
    api = await startFakeTracerApi();
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'App',
          CreationTime: new Date(0),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'TracerApiUrl5A1B2C3D', OutputValue: api.url }],
        },
      ],
    });

    // Act
    const run = await runTracer(['--stack', 'App']);

    // Assess
    expect(run).toEqual({
      code: 0,
      stdout: 'default\t123456789012\tus-east-1\tarn:aws:ecs:us-east-1:123456789012:cluster/default\n',
      stderr: '',
    });
  });

  it('fails when the stack does not exist', async () => {
    // Prepare
    const error = Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' });
    cloudFormation.on(DescribeStacksCommand).rejects(error);

    // Act
    const run = await runTracer(['--stack', 'Nope', 'default']);

    // Assess
    expect(run.code).toBe(1);
    expectOneLine(run, 'stack Nope not found; check --stack, and --region (stacks are regional)');
  });

  it('fails when the stack has no ApiUrl output', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        { StackName: 'Other', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [] },
      ],
    });

    // Act
    const run = await runTracer(['--stack', 'Other']);

    // Assess
    expectOneLine(run, 'stack Other has no ApiUrl output; is it a tracer stack? pass --endpoint instead');
  });

  it('fails when the caller may not describe the stack', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), {
        name: 'AccessDenied',
      }),
    );

    // Act
    const run = await runTracer(['--stack', 'Tracer']);

    // Assess
    expectOneLine(run, 'access denied reading stack Tracer: the caller needs cloudformation:DescribeStacks');
  });
});

describe('describeFailure', () => {
  const named = (name: string, message: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(message), { name, ...extra });
  const apiError = (status: number, code: string, message: string, gatewayErrorType?: string) =>
    new ApiResponseError(status, code, message, {
      url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
      ...(gatewayErrorType ? { gatewayErrorType } : {}),
    });

  it.each<[string, unknown, string]>([
    [
      'no source',
      new NoSourceError(),
      'no endpoint: pass --endpoint, set TRACER_ENDPOINT, or use --stack NAME or --live',
    ],
    [
      'a refused remote endpoint',
      new ApiUnreachableError('https://api.example.com', 'connection-refused', 'connection refused'),
      'cannot reach https://api.example.com: connection refused; check --endpoint and that the API is deployed',
    ],
    [
      'an unknown host',
      new ApiUnreachableError('https://nope.example.com', 'host-not-found', 'host not found'),
      "cannot reach https://nope.example.com: host not found; check --endpoint (the stack's ApiUrl output) and your network",
    ],
    [
      'a timeout',
      new ApiUnreachableError('https://api.example.com', 'timeout', 'timed out'),
      'cannot reach https://api.example.com: timed out; check your network, or retry with a shorter --duration',
    ],
    [
      'tracer access denied',
      apiError(403, 'AccessDenied', 'tracer may not read the logs'),
      'access denied: tracer may not read the logs',
    ],
    [
      'missing authentication token',
      apiError(
        403,
        'MissingAuthenticationTokenException',
        'Missing Authentication Token',
        'MissingAuthenticationTokenException',
      ),
      "the API refused an unsigned request or an unknown path; check that --endpoint is the stack's ApiUrl, stage included",
    ],
    [
      'a 413',
      apiError(413, 'PayloadTooLarge', 'the trace is too large'),
      'the trace is too large; narrow the trace with a shorter --duration',
    ],
    [
      'a 502',
      apiError(502, 'HTTP502', 'Bad Gateway'),
      'the API is unavailable (HTTP 502); retry in a moment',
    ],
    [
      'a 504',
      apiError(504, 'HTTP504', 'Endpoint request timed out'),
      'the API timed out (HTTP 504); retry, or use a shorter --duration',
    ],
    ['a 418', apiError(418, 'HTTP418', 'teapot'), 'the API answered HTTP 418 HTTP418: teapot'],
    [
      'a protocol error',
      new ApiProtocolError('http://x', 'the answer is not a trace'),
      'http://x did not answer like the tracer API: the answer is not a trace; check --endpoint',
    ],
    [
      'expired SSO credentials',
      new CredentialsUnavailableError(undefined, { cause: new Error('The SSO session token has expired') }),
      'AWS credentials have expired; run aws sso login (or refresh them) and retry',
    ],
    [
      'the SDK credential chain',
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      'no credentials found; set AWS_PROFILE or run aws sso login',
    ],
    [
      'an expired token from AWS',
      named('ExpiredTokenException', 'The security token included in the request is expired'),
      'AWS credentials have expired; run aws sso login (or refresh them) and retry',
    ],
    [
      'an unknown client',
      named('UnrecognizedClientException', 'The security token included in the request is invalid'),
      'AWS does not accept these credentials; check --profile or AWS_PROFILE, or run aws sso login',
    ],
    [
      'an IAM denial',
      named(
        'AccessDeniedException',
        'User: arn:aws:iam::1:user/x is not authorized to perform: ecs:ListTasks on resource: *',
      ),
      'access denied by AWS: the caller needs ecs:ListTasks',
    ],
    [
      'throttling',
      named('ThrottlingException', 'Rate exceeded'),
      'AWS is throttling requests; wait a moment and retry',
    ],
    ['a missing region', new Error('Region is missing'), 'no AWS region: pass --region or set AWS_REGION'],
    [
      'a network error from the SDK',
      named('Error', 'connect ECONNREFUSED', { code: 'ECONNREFUSED' }),
      'cannot reach AWS: connection refused; check your network and AWS_ENDPOINT_URL_* settings',
    ],
    [
      'a stack that does not exist',
      new StackOutputError('T', 'stack-not-found', 'x'),
      'stack T not found; check --stack, and --region (stacks are regional)',
    ],
    [
      'a task ECS forgot',
      new TaskNotFoundError('default', 'abc'),
      'task abc not found in cluster default; ECS forgets a task about an hour after it stops, the tracer API keeps it',
    ],
    [
      'a task tracer expired',
      new TaskNotFoundError('default', 'abc', 30),
      'task abc not found in cluster default (tracer keeps tasks for 30 days)',
    ],
    [
      'throttling that outlasted retries',
      new ThrottledError('ECS kept throttling DescribeTasks'),
      'ECS kept throttling DescribeTasks; wait a moment and retry',
    ],
    [
      'a denial tracer explains',
      new AccessDeniedError('access denied by ECS: the caller needs ecs:ListTasks'),
      'access denied by ECS: the caller needs ecs:ListTasks',
    ],
    [
      'an SNS topic that does not exist',
      new SnsPublishError('arn:aws:sns:eu-west-1:1:t', {
        cause: named('NotFoundException', 'Topic does not exist'),
      }),
      'SNS topic arn:aws:sns:eu-west-1:1:t not found; check --sns and that the topic exists',
    ],
    [
      'an SNS denial',
      new SnsPublishError('arn:aws:sns:eu-west-1:1:t', {
        cause: named('AuthorizationErrorException', 'not authorized'),
      }),
      'access denied publishing to arn:aws:sns:eu-west-1:1:t: the caller needs sns:Publish on the topic',
    ],
    [
      'an SNS key denial',
      new SnsPublishError('arn:aws:sns:eu-west-1:1:t', {
        cause: named('KMSAccessDeniedException', 'denied'),
      }),
      'the key of SNS topic arn:aws:sns:eu-west-1:1:t refused the caller: it needs kms:GenerateDataKey and kms:Decrypt',
    ],
    ['a string', 'oops', 'unexpected error: oops (set TRACER_DEBUG=1 for details)'],
  ])('explains %s in one line', (_name, error, message) => {
    // Act
    const failure = describeFailure(error);

    // Assess
    expect(failure).toEqual({ exitCode: 1, message, showUsage: false });
  });

  it('gives exit code 2 and the usage line for a usage error', () => {
    expect(describeFailure(new UsageError('too many arguments: x'))).toEqual({
      exitCode: 2,
      message: 'too many arguments: x',
      showUsage: true,
    });
  });

  it('keeps a multi-line message on one line', () => {
    expect(describeFailure(new Error('first\nsecond\n  third')).message).toBe(
      'unexpected error: first second third (set TRACER_DEBUG=1 for details)',
    );
  });
});
