import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { EnvName } from '../../lambda/config/env.js';
import { API_ROUTES } from '../../lambda/core/request/routes.js';
import { TraceApi, type TraceApiProps } from '../../lib/constructs/trace-api.js';
import { TracerTable } from '../../lib/constructs/tracer-table.js';
import {
  allowedActions,
  allStatements,
  environmentOf,
  functionStatements,
  KNOWN_ENV,
  logicalIdOf,
  synth,
  tableGrants,
} from './support.js';

function synthApi(props: Partial<TraceApiProps> = {}) {
  return synth(
    (stack) => {
      const table = new TracerTable(stack, 'Table').table;
      return new TraceApi(stack, 'Api', { table, retentionDays: 30, ...props });
    },
    { stackProps: { env: KNOWN_ENV } },
  );
}

const PATHS = ['clusters', '{cluster}', 'tasks', '{taskId}', 'trace'];

describe('TraceApi with the defaults', () => {
  // GIVEN
  const { template, stack } = synthApi();

  it('serves GET on the four routes and nothing else', () => {
    // THEN
    template.resourceCountIs('AWS::ApiGateway::Method', 4);
    template.allResourcesProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET' });
    const parts = Object.values(template.findResources('AWS::ApiGateway::Resource')).map(
      (r) => (r as { Properties: { PathPart: string } }).Properties.PathPart,
    );
    expect(parts).toEqual(PATHS);
  });

  it('requires IAM (SigV4) authorization on every method', () => {
    template.allResourcesProperties('AWS::ApiGateway::Method', { AuthorizationType: 'AWS_IAM' });
  });

  it('proxies every method to the query function', () => {
    template.allResourcesProperties('AWS::ApiGateway::Method', {
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: Match.objectLike({
          'Fn::Join': Match.arrayWith([
            Match.arrayWith([
              { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Lambda::Function', 'ApiFunction'), 'Arn'] },
            ]),
          ]),
        }),
      },
    });
  });

  it('validates the path parameters of each method', () => {
    const validator = logicalIdOf(template, 'AWS::ApiGateway::RequestValidator', 'ApiRestApi');
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestParameters: true,
      ValidateRequestBody: true,
    });
    template.allResourcesProperties('AWS::ApiGateway::Method', { RequestValidatorId: { Ref: validator } });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      RequestParameters: {
        'method.request.path.cluster': true,
        'method.request.path.taskId': true,
        'method.request.querystring.format': false,
        'method.request.querystring.duration': false,
        'method.request.querystring.full': false,
        'method.request.querystring.cursor': false,
        'method.request.querystring.tz': false,
        'method.request.querystring.limit': false,
        'method.request.querystring.since': false,
        'method.request.header.Accept': false,
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      RequestParameters: {
        'method.request.path.cluster': true,
        'method.request.querystring.status': false,
        'method.request.querystring.failed': false,
        'method.request.querystring.since': false,
        'method.request.querystring.until': false,
        'method.request.querystring.limit': false,
        'method.request.querystring.cursor': false,
      },
    });
  });

  it('throttles the prod stage, traces it, and writes JSON access logs to a log group with a retention', () => {
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', 'ApiAccessLogs');
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 20,
          ThrottlingBurstLimit: 40,
        }),
      ],
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [logGroup, 'Arn'] }, Format: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('writes each access log entry as one JSON object with the caller and the status', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as {
      Properties: { AccessLogSetting: { Format: string } };
    };
    const format = stage.Properties.AccessLogSetting.Format;
    // Replace the $context variables with sample values, as API Gateway does, and parse the line.
    const line = format
      .replace('$context.error.messageString', '"Missing \\"Authentication\\" Token"')
      .replace(/\$context\.[A-Za-z.]+/g, 'x');
    const entry = JSON.parse(line) as Record<string, string>;
    expect(entry).toMatchObject({
      requestId: 'x',
      userArn: 'x',
      status: 'x',
      errorMessage: 'Missing "Authentication" Token',
    });
  });

  it('answers API Gateway refusals in the API error shape', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      ResponseTemplates: {
        'application/json': '{"error":{"code":"AccessDenied","message":$context.error.messageString}}',
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"Throttled"') },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_5XX',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"InternalError"') },
    });
  });

  it('gives the query function 1024 MB, the 29-second API Gateway limit, its table and the retention', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 29 });
    expect(environmentOf(template, 'ApiFunction')).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      [EnvName.TABLE_NAME]: { Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', 'Table') },
      [EnvName.RETENTION_DAYS]: '30',
      [EnvName.CURSOR_SECRET_ARN]: {
        Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'ApiCursorKey'),
      },
    });
  });

  it('builds its resources, methods and declared parameters from the route table the handler routes by', () => {
    // THEN
    template.resourceCountIs('AWS::ApiGateway::Method', API_ROUTES.length);
    for (const route of API_ROUTES) {
      const expected: Record<string, boolean> = {};
      for (const segment of route.path.filter((s) => s.startsWith('{'))) {
        expected[`method.request.path.${segment.slice(1, -1)}`] = true;
      }
      for (const name of route.query) expected[`method.request.querystring.${name}`] = false;
      for (const name of route.headers) expected[`method.request.header.${name}`] = false;
      template.hasResourceProperties('AWS::ApiGateway::Method', { RequestParameters: expected });
    }
  });

  it('generates the cursor key as a secret that only the query function may read', () => {
    // THEN
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
    const secret = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'ApiCursorKey');
    const statement = functionStatements(template, 'ApiFunction').find(
      (s) => Array.isArray(s.Action) && s.Action.includes('secretsmanager:GetSecretValue'),
    );
    expect(statement?.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(statement?.Resource).toEqual({ Ref: secret });
  });

  it('lets the query function read the table, query its two indexes and store task definitions, no other item', () => {
    expect(tableGrants(template, 'ApiFunction')).toEqual([
      { actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'], resources: ['table'] },
      { actions: ['dynamodb:Query'], resources: ['table/index/failedByMonth', 'table/index/tasksByDay'] },
      { actions: ['dynamodb:PutItem'], resources: ['table'], leadingKeys: ['TD#*'] },
    ]);
  });

  it('lets the query function read the table, the logs and ECS, and nothing else', () => {
    expect(allowedActions(template, 'ApiFunction')).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Query', // on the table, and on its two indexes
        'ecs:DescribeServices',
        'ecs:DescribeTaskDefinition',
        'ecs:DescribeTasks',
        'logs:CreateLogStream',
        'logs:DescribeLogGroups',
        'logs:GetLogEvents',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
  });

  it("limits log reads to the log streams of this account in the stack's own region", () => {
    const statements = functionStatements(template, 'ApiFunction');
    expect(statements).toContainEqual({
      Action: 'logs:GetLogEvents',
      Effect: 'Allow',
      Resource: 'arn:aws:logs:eu-west-1:111122223333:log-group:*:log-stream:*',
    });
    expect(statements).toContainEqual({
      Action: 'logs:DescribeLogGroups',
      Effect: 'Allow',
      Resource: 'arn:aws:logs:eu-west-1:111122223333:log-group:*',
    });
  });

  it('lets API Gateway invoke the function once for the whole API', () => {
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('names the REST API after its stack, so that its metrics and alarms are its own', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: `tracer-${stack.stackName}` });
  });

  it('alarms on three or more 5XX answers of the prod stage in 5 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError',
      Namespace: 'AWS/ApiGateway',
      Dimensions: Match.arrayWith([
        { Name: 'ApiName', Value: `tracer-${stack.stackName}` },
        {
          Name: 'Stage',
          Value: { Ref: logicalIdOf(template, 'AWS::ApiGateway::Stage', 'ApiRestApiDeploymentStage') },
        },
      ]),
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 3,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on query function errors and on throttles in two of three 5-minute periods', () => {
    const fn = { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'ApiFunction') };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: fn }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: fn }],
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 1,
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  it('creates no CloudFormation output of its own', () => {
    expect(template.findOutputs('*')).toEqual({});
  });

  it('grants execute-api:Invoke on every GET of the prod stage', () => {
    // GIVEN an on-call role next to the API
    const granted = synth(
      (s) => {
        const table = new TracerTable(s, 'Table').table;
        const traceApi = new TraceApi(s, 'Api', { table, retentionDays: 30 });
        const role = new iam.Role(s, 'OnCall', { assumedBy: new iam.AccountRootPrincipal() });
        // WHEN
        traceApi.grantInvoke(role);
      },
      { stackProps: { env: KNOWN_ENV } },
    ).template;
    // THEN
    const restApi = logicalIdOf(granted, 'AWS::ApiGateway::RestApi', 'ApiRestApi');
    granted.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(granted, 'AWS::IAM::Role', 'OnCall') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                ['arn:aws:execute-api:eu-west-1:111122223333:', { Ref: restApi }, '/prod/GET/*'],
              ],
            },
          },
        ],
      },
    });
  });

  it('grants execute-api:Invoke on the routes of the named clusters and the cluster listing only', () => {
    // GIVEN a developer role that may read the dev clusters and the staging cluster
    const granted = synth(
      (s) => {
        const table = new TracerTable(s, 'Table').table;
        const traceApi = new TraceApi(s, 'Api', { table, retentionDays: 30 });
        const role = new iam.Role(s, 'Dev', { assumedBy: new iam.AccountRootPrincipal() });
        // WHEN
        traceApi.grantInvoke(role, { clusters: ['dev-*', 'staging'] });
      },
      { stackProps: { env: KNOWN_ENV } },
    ).template;
    // THEN
    const restApi = logicalIdOf(granted, 'AWS::ApiGateway::RestApi', 'ApiRestApi');
    const arn = (path: string) => ({
      'Fn::Join': ['', ['arn:aws:execute-api:eu-west-1:111122223333:', { Ref: restApi }, `/prod/GET${path}`]],
    });
    granted.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(granted, 'AWS::IAM::Role', 'Dev') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: [
              arn('/clusters'),
              arn('/clusters/dev-*'),
              arn('/clusters/dev-*/*'),
              arn('/clusters/staging'),
              arn('/clusters/staging/*'),
            ],
          },
        ],
      },
    });
  });

  it('leaves the cluster listing out of a scoped grant when asked', () => {
    const granted = synth((s) => {
      const traceApi = new TraceApi(s, 'Api', {
        table: new TracerTable(s, 'Table').table,
        retentionDays: 30,
      });
      traceApi.grantInvoke(new iam.Role(s, 'Dev', { assumedBy: new iam.AccountRootPrincipal() }), {
        clusters: ['prod'],
        listClusters: false,
      });
    }).template;
    const statement = allStatements(granted).find((s) => s.statement.Action === 'execute-api:Invoke');
    const paths = ([] as unknown[])
      .concat(statement?.statement.Resource)
      .map((r) => JSON.stringify(r).match(/\/prod\/GET([^"]*)"/)?.[1]);
    expect(paths).toEqual(['/clusters/prod', '/clusters/prod/*']);
  });

  it.each([
    [['dev/prod'], 'grantInvoke clusters must be cluster names'],
    [['dev%2Fprod'], 'grantInvoke clusters must be cluster names'],
    [[], 'grantInvoke clusters must name at least one cluster'],
  ])('rejects grantInvoke clusters %j', (clusters, message) => {
    expect(() =>
      synth((s) => {
        const traceApi = new TraceApi(s, 'Api', {
          table: new TracerTable(s, 'Table').table,
          retentionDays: 30,
        });
        traceApi.grantInvoke(new iam.Role(s, 'Dev', { assumedBy: new iam.AccountRootPrincipal() }), {
          clusters,
        });
      }),
    ).toThrow(message);
  });

  it('raises no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('TraceApi opened explicitly', () => {
  // GIVEN
  const { template, stack } = synthApi({ authorization: 'none' });

  it('takes every method out of IAM authorization', () => {
    template.allResourcesProperties('AWS::ApiGateway::Method', { AuthorizationType: 'NONE' });
  });

  it('warns at synth time that anyone with the URL can read traces', () => {
    Annotations.fromStack(stack).hasWarning('/Test/Api', Match.stringLikeRegexp('The trace API is open'));
  });
});

describe('TraceApi settings', () => {
  it('applies the given throttling', () => {
    const { template } = synthApi({ throttling: { rateLimit: 5, burstLimit: 10 } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
  });

  it('adds the log regions and narrows log reads to the log group prefixes', () => {
    // GIVEN containers that log to /ecs/ and /app/ groups, some of them in us-west-2
    const { template } = synthApi({
      logRegions: ['us-west-2', 'eu-west-1'],
      logGroupPrefixes: ['/ecs/', '/app/'],
    });
    // THEN
    const statements = functionStatements(template, 'ApiFunction');
    const arn = (region: string, name: string) => `arn:aws:logs:${region}:111122223333:log-group:${name}`;
    expect(statements).toContainEqual({
      Action: 'logs:GetLogEvents',
      Effect: 'Allow',
      Resource: [
        arn('eu-west-1', '/app/*:log-stream:*'),
        arn('eu-west-1', '/ecs/*:log-stream:*'),
        arn('us-west-2', '/app/*:log-stream:*'),
        arn('us-west-2', '/ecs/*:log-stream:*'),
      ],
    });
    expect(statements).toContainEqual({
      Action: 'logs:DescribeLogGroups',
      Effect: 'Allow',
      Resource: [arn('eu-west-1', '*'), arn('us-west-2', '*')],
    });
  });

  it.each([
    [{ logRegions: ['west'] }, 'logRegions must hold AWS region names such as eu-west-1, got "west"'],
    [{ logRegions: ['*'] }, 'logRegions must hold AWS region names such as eu-west-1, got "*"'],
    [{ logGroupPrefixes: ['/ecs/*'] }, 'logGroupPrefixes must be log group name prefixes'],
    [{ logGroupPrefixes: [''] }, 'logGroupPrefixes must be log group name prefixes'],
    [{ logGroupPrefixes: [] }, 'logGroupPrefixes must name at least one prefix'],
  ])('rejects log read props %j', (props, message) => {
    expect(() => synthApi(props)).toThrow(message);
  });

  it('limits live ECS reads to the watched clusters', () => {
    const { template } = synthApi({ clusters: ['prod'] });
    const describeTasks = functionStatements(template, 'ApiFunction').find(
      (s) => s.Action === 'ecs:DescribeTasks',
    );
    expect(describeTasks?.Resource).toBe('arn:aws:ecs:eu-west-1:111122223333:task/prod/*');
  });

  it.each([
    [{ rateLimit: 0 }, 'throttling.rateLimit must be above 0 and at most 10000 requests per second, got 0'],
    [
      { rateLimit: 10_001 },
      'throttling.rateLimit must be above 0 and at most 10000 requests per second, got 10001',
    ],
    [{ burstLimit: 0 }, 'throttling.burstLimit must be a whole number from 1 to 5000 requests, got 0'],
    [{ burstLimit: 2.5 }, 'throttling.burstLimit must be a whole number from 1 to 5000 requests, got 2.5'],
    [{ burstLimit: 5001 }, 'throttling.burstLimit must be a whole number from 1 to 5000 requests, got 5001'],
  ])('rejects throttling %j', (throttling, message) => {
    expect(() => synthApi({ throttling })).toThrow(message);
  });

  it('rejects an authorization other than iam or none', () => {
    expect(() => synthApi({ authorization: 'cognito' as unknown as 'iam' })).toThrow(
      `authorization must be 'iam' or 'none', got "cognito"`,
    );
  });
});
