import { Annotations, Duration, RemovalPolicy, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EnvName } from '../../lambda/config/env.js';
// The route table is shared with the API handler, so that API Gateway serves exactly the routes it answers.
import { API_ROUTES } from '../../lambda/core/request/routes.js';
import { apiServerErrorsAlarm, functionAlarms } from './alarms.js';
import { BundledFunction } from './bundled-function.js';
import { ClusterScope } from './ecs-clusters.js';
import { type EcsReadAction, grantEcsRead, grantTraceLogsRead, type LogReadScope } from './grants.js';
import { grantTableAccess, QUERY_TABLE_ACCESS } from './table-access.js';

export const API_ENTRY = 'lambda/handlers/api.ts';
export const API_STAGE_NAME = 'prod';
/** API Gateway gives up on a Lambda integration after 29 seconds, so the function may not run longer. */
export const QUERY_TIMEOUT = Duration.seconds(29);

/** Who may call the trace API: SigV4-signed IAM principals, or anyone who knows the URL. */
export type ApiAuthorization = 'iam' | 'none';

export interface ApiThrottling {
  /**
   * Steady-state requests per second for the whole stage.
   * @default 20
   */
  readonly rateLimit?: number;
  /**
   * Requests the stage absorbs in a burst above the rate.
   * @default 40
   */
  readonly burstLimit?: number;
}

export interface TraceApiProps extends LogReadScope {
  /** The table the traces are read from. */
  readonly table: dynamodb.ITable;
  /** How long tracer keeps tasks; the API says so when a task is not found. */
  readonly retentionDays: number;
  /**
   * Limit live ECS reads (DescribeTasks, DescribeServices) to these clusters (names or ARNs).
   * @default - every cluster of the account in the stack's region
   */
  readonly clusters?: readonly string[];
  /**
   * `iam` requires SigV4-signed requests from principals allowed `execute-api:Invoke` (see `grantInvoke`).
   * `none` opens the API to anyone who knows its URL; the stack then carries a warning.
   * @default 'iam'
   */
  readonly authorization?: ApiAuthorization;
  /** @default - 20 requests per second, bursts of 40 */
  readonly throttling?: ApiThrottling;
  /** How long the function's logs and the access logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default - the alarms have no action */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
  /**
   * A fixed name for the query function's role, which source accounts' read roles trust.
   * @default - a name CloudFormation generates
   */
  readonly functionRoleName?: string;
}

/** API Gateway's own refusals, in the same `{"error": {"code", "message"}}` shape as the function's answers. */
const GATEWAY_ERRORS: ReadonlyArray<{ readonly type: apigateway.ResponseType; readonly code: string }> = [
  { type: apigateway.ResponseType.DEFAULT_4XX, code: 'InvalidInput' },
  { type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS, code: 'InvalidInput' },
  { type: apigateway.ResponseType.ACCESS_DENIED, code: 'AccessDenied' },
  { type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, code: 'AccessDenied' },
  { type: apigateway.ResponseType.INVALID_SIGNATURE, code: 'AccessDenied' },
  { type: apigateway.ResponseType.EXPIRED_TOKEN, code: 'AccessDenied' },
  { type: apigateway.ResponseType.THROTTLED, code: 'Throttled' },
  { type: apigateway.ResponseType.REQUEST_TOO_LARGE, code: 'PayloadTooLarge' },
  { type: apigateway.ResponseType.DEFAULT_5XX, code: 'InternalError' },
];

const QUERY_ECS_READS: readonly EcsReadAction[] = [
  'ecs:DescribeTasks',
  'ecs:DescribeTaskDefinition',
  'ecs:DescribeServices',
];

/**
 * The trace API: a REST API on API Gateway in front of the query function, with IAM (SigV4) authorization on
 * every method unless it is opened explicitly, stage throttling, JSON access logs and X-Ray tracing.
 */
export class TraceApi extends Construct {
  readonly restApi: apigateway.RestApi;
  readonly function: lambda.Function;
  /** The stage URL, `https://<id>.execute-api.<region>.amazonaws.com/prod/`. */
  readonly url: string;
  readonly accessLogGroup: logs.LogGroup;
  /** The key of the HMAC that authenticates the API's cursors; only the query function may read it. */
  readonly cursorSecret: secretsmanager.Secret;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: TraceApiProps) {
    super(scope, id);
    const authorization = props.authorization ?? 'iam';
    if (authorization !== 'iam' && authorization !== 'none') {
      throw new Error(`authorization must be 'iam' or 'none', got "${String(authorization)}"`);
    }
    const throttling = validateThrottling(props.throttling);
    const clusters = ClusterScope.of(this, props.clusters);

    this.cursorSecret = new secretsmanager.Secret(this, 'CursorKey', {
      description: 'tracer: the HMAC key that authenticates the trace API cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Rotating the key only invalidates the cursors in flight; callers start again from the first page.
    Validations.of(this.cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret keys the HMAC of paging cursors; a new key only invalidates cursors in flight, so it is not rotated on a schedule.',
    });

    const query = new BundledFunction(this, 'Function', {
      entry: API_ENTRY,
      description: 'tracer: answers the trace API from the table, CloudWatch Logs and ECS',
      // Merging and formatting up to a million log lines is CPU-bound; 1 GB buys most of a vCPU.
      memorySizeMb: 1024,
      timeout: QUERY_TIMEOUT,
      logRetention: props.logRetention,
      roleName: props.functionRoleName,
      environment: {
        [EnvName.TABLE_NAME]: props.table.tableName,
        [EnvName.RETENTION_DAYS]: String(props.retentionDays),
        [EnvName.CURSOR_SECRET_ARN]: this.cursorSecret.secretArn,
      },
    });
    this.function = query.function;
    this.cursorSecret.grantRead(query);
    grantTableAccess(query, props.table, QUERY_TABLE_ACCESS);
    grantTraceLogsRead(query, props);
    // Live traces of tasks that ran before tracer was deployed, and the service's recent events.
    grantEcsRead(query, clusters, QUERY_ECS_READS);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const authorizationType =
      authorization === 'iam' ? apigateway.AuthorizationType.IAM : apigateway.AuthorizationType.NONE;
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      // API Gateway's metrics (and so the 5XX alarm) are per API name: one per stack keeps them apart.
      restApiName: `tracer-${Stack.of(this).stackName}`,
      description: 'tracer: recorded ECS task lifecycles, summaries and traces',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: false,
      // Text traces compress well; clients that send Accept-Encoding get gzip.
      minCompressionSize: Size.kibibytes(1),
      defaultMethodOptions: { authorizationType },
      deployOptions: {
        stageName: API_STAGE_NAME,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
        tracingEnabled: true,
        metricsEnabled: false,
        dataTraceEnabled: false,
      },
    });
    // The URL is a stack output of TracerStack under a stable name; the generated one would duplicate it.
    this.restApi.node.tryRemoveChild('Endpoint');
    this.url = this.restApi.url;

    // GET methods carry no body; body validation is on so that a method added with a model is checked too.
    const validator = this.restApi.addRequestValidator('RequestValidator', {
      requestValidatorName: 'parameters-and-body',
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const integration = new apigateway.LambdaIntegration(this.function, {
      proxy: true,
      // One invoke permission for the whole API instead of one per method and path.
      scopePermissionToMethod: false,
    });
    for (const route of API_ROUTES) {
      const resource = this.restApi.root.resourceForPath(route.path.join('/'));
      const requestParameters: Record<string, boolean> = {};
      for (const segment of route.path) {
        if (segment.startsWith('{')) requestParameters[`method.request.path.${segment.slice(1, -1)}`] = true;
      }
      for (const name of route.query) requestParameters[`method.request.querystring.${name}`] = false;
      for (const name of route.headers) requestParameters[`method.request.header.${name}`] = false;
      resource.addMethod('GET', integration, {
        authorizationType,
        requestValidator: validator,
        requestParameters,
      });
    }
    for (const { type, code } of GATEWAY_ERRORS) {
      this.restApi.addGatewayResponse(`Error${type.responseType}`, {
        type,
        templates: {
          'application/json': `{"error":{"code":"${code}","message":$context.error.messageString}}`,
        },
      });
    }

    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logging needs the account-wide API Gateway CloudWatch role, which one stack should not own; JSON access logs and the function logs cover each request.',
    });
    if (authorization === 'iam') {
      Validations.of(this.restApi).acknowledge(
        {
          id: 'AwsSolutions-APIG3',
          reason:
            'Every method requires SigV4-signed IAM requests and the stage is throttled; a WAF web ACL would add cost without blocking anything IAM does not.',
        },
        {
          id: 'AwsSolutions-COG4',
          reason:
            'Callers are IAM principals (on-call engineers, the CLI, the MCP server) authorized by SigV4.',
        },
      );
    } else {
      Annotations.of(this).addWarningV2(
        'tracer:open-api',
        'The trace API is open (authorization: none): anyone who knows its URL can read task traces and their container logs.',
      );
      const opened =
        "The API was opened on purpose with the authorization: 'none' prop, which warns at synth time";
      Validations.of(this.restApi).acknowledge(
        { id: 'AwsSolutions-APIG4', reason: `${opened}.` },
        { id: 'AwsSolutions-COG4', reason: `${opened}.` },
        {
          id: 'AwsSolutions-APIG3',
          reason: `${opened}; the stage is throttled. Associate a WAF web ACL if it stays open.`,
        },
      );
    }

    const alarmActions = props.alarmActions ?? [];
    this.alarms = [
      ...functionAlarms(this, this.function, 'trace API', alarmActions),
      apiServerErrorsAlarm(this, 'ServerErrorsAlarm', this.restApi.deploymentStage, alarmActions),
    ];
  }

  /**
   * Lets a principal call the API (`execute-api:Invoke` on GET methods of the stage): every route, or with
   * `clusters` only the routes of those clusters and the cluster listing.
   *
   * Scoping by cluster relies on the handler refusing a cluster path segment with an encoded slash
   * (`/clusters/dev-a%2Fprod/tasks`): API Gateway matches the policy against the path as sent, so such a
   * segment would otherwise pass `dev-*` and name another cluster.
   * @example api.grantInvoke(onCallRole)
   * @example api.grantInvoke(devRole, { clusters: ['dev-*'] })
   */
  grantInvoke(grantee: iam.IGrantable, options: GrantInvokeOptions = {}): iam.Grant {
    const arn = (path: string) => this.restApi.arnForExecuteApi('GET', path, API_STAGE_NAME);
    if (options.clusters === undefined) {
      return iam.Grant.addToPrincipal({
        grantee,
        actions: ['execute-api:Invoke'],
        resourceArns: [arn('/*')],
      });
    }
    const clusters = validateClusterPatterns(options.clusters);
    const listing = options.listClusters ?? true;
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [
        ...(listing ? [arn('/clusters')] : []),
        ...clusters.flatMap((cluster) => [arn(`/clusters/${cluster}`), arn(`/clusters/${cluster}/*`)]),
      ],
    });
  }
}

/** Which routes `grantInvoke` opens. */
export interface GrantInvokeOptions {
  /**
   * Only the routes of these clusters, by name; `*` matches any characters, `?` one, as IAM does.
   * @default - every cluster
   */
  readonly clusters?: readonly string[];
  /**
   * With `clusters`, also GET /clusters, which lists the names of every recorded cluster (no task).
   * @default true
   */
  readonly listClusters?: boolean;
}

/** A cluster name with IAM wildcards: the characters ECS allows in cluster names, plus `*` and `?`. */
const CLUSTER_PATTERN = /^[\w\-*?]{1,255}$/;

function validateClusterPatterns(clusters: readonly string[]): string[] {
  if (clusters.length === 0) {
    throw new Error(
      'grantInvoke clusters must name at least one cluster; leave it out to grant every cluster',
    );
  }
  for (const cluster of clusters) {
    if (!Token.isUnresolved(cluster) && !CLUSTER_PATTERN.test(cluster)) {
      throw new Error(
        `grantInvoke clusters must be cluster names, with * and ? as wildcards (letters, digits, - and _), got "${cluster}"`,
      );
    }
  }
  return [...new Set(clusters)];
}

function validateThrottling(throttling: ApiThrottling | undefined): Required<ApiThrottling> {
  const rateLimit = throttling?.rateLimit ?? 20;
  const burstLimit = throttling?.burstLimit ?? 40;
  // API Gateway's default account quota is 10,000 requests per second with bursts of 5,000.
  if (!Token.isUnresolved(rateLimit) && !(rateLimit > 0 && rateLimit <= 10_000)) {
    throw new Error(
      `throttling.rateLimit must be above 0 and at most 10000 requests per second, got ${rateLimit}`,
    );
  }
  if (
    !Token.isUnresolved(burstLimit) &&
    !(Number.isInteger(burstLimit) && burstLimit >= 1 && burstLimit <= 5000)
  ) {
    throw new Error(
      `throttling.burstLimit must be a whole number from 1 to 5000 requests, got ${burstLimit}`,
    );
  }
  return { rateLimit, burstLimit };
}

function accessLogFormat(): apigateway.AccessLogFormat {
  const F = apigateway.AccessLogField;
  const quoted: Record<string, string> = {
    requestId: F.contextRequestId(),
    requestTime: F.contextRequestTime(),
    ip: F.contextIdentitySourceIp(),
    caller: F.contextIdentityCaller(),
    userArn: F.contextIdentityUserArn(),
    userAgent: F.contextIdentityUserAgent(),
    httpMethod: F.contextHttpMethod(),
    resourcePath: F.contextResourcePath(),
    path: F.contextPath(),
    protocol: F.contextProtocol(),
    status: F.contextStatus(),
    responseLength: F.contextResponseLength(),
    responseLatencyMs: F.contextResponseLatency(),
    integrationLatencyMs: F.contextIntegrationLatency(),
    integrationStatus: F.contextIntegrationStatus(),
    errorResponseType: F.contextErrorResponseType(),
    xrayTraceId: F.contextXrayTraceId(),
  };
  const fields = Object.entries(quoted).map(([name, value]) => `"${name}":"${value}"`);
  // messageString is already a quoted JSON string, so a message with quotes keeps the line valid JSON.
  fields.push(`"errorMessage":${F.contextErrorMessageString()}`);
  return apigateway.AccessLogFormat.custom(`{${fields.join(',')}}`);
}
