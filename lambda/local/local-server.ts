/**
 * tracer on one machine, without an AWS account: an embedded DynamoDB-API server (dynalite) persisting
 * under a data folder, the recorder and API Lambdas' own handler code, and the API on loopback HTTP.
 *
 * Routes:
 * - `GET /clusters...`: the API, exactly as API Gateway serves it (the request becomes a proxy event);
 * - `POST /events`: EventBridge events (one, an array, or JSON Lines) for the recorder;
 * - `POST /logs`: container log events for the local log store;
 * - `POST /task-definitions`: task definitions, as `aws ecs describe-task-definition` prints them;
 * - `GET /health`.
 */

import { mkdir, stat, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { CloudWatchLogSource } from '../adapters/cloudwatch-logs/cloudwatch-log-source.js';
import { backfillActiveDays } from '../adapters/dynamodb/active-days-backfill.js';
import { withDomainErrors } from '../adapters/dynamodb/dynamodb-errors.js';
import { DynamoDbInstanceStore } from '../adapters/dynamodb/dynamodb-instance-store.js';
import { DynamoDbServiceEventStore } from '../adapters/dynamodb/dynamodb-service-event-store.js';
import { DynamoDbTaskDefinitionStore } from '../adapters/dynamodb/dynamodb-task-definition-store.js';
import { DynamoDbTaskHistory } from '../adapters/dynamodb/dynamodb-task-history.js';
import { DynamoDbTransitionStore } from '../adapters/dynamodb/dynamodb-transition-store.js';
import type { DynamoDbTableOptions } from '../adapters/dynamodb/table-options.js';
import { ensureTracerTable } from '../adapters/dynamodb/tracer-table.js';
import { EcsLiveTaskSource } from '../adapters/ecs/ecs-live-task-source.js';
import { EcsServiceEventSource } from '../adapters/ecs/ecs-service-event-source.js';
import { EcsTaskDefinitionSource } from '../adapters/ecs/ecs-task-definition-source.js';
import { systemClock } from '../adapters/system-clock.js';
import { homeScopeEnv } from '../config/env.js';
import { createLogger, type Logger } from '../config/logger.js';
import { TracerError } from '../core/errors.js';
import { makeCursorSeal } from '../core/request/cursor-seal.js';
import { makeApiHandler } from '../handlers/api.js';
import { makeRecorderHandler } from '../handlers/recorder.js';
import type { Clock } from '../use-cases/ports.js';
import { createRecorderCache } from '../use-cases/record-event.js';
import { type AwsCredentialsDetection, detectAwsCredentials } from './aws-credentials.js';
import { LocalServerStartError, lockDataDir } from './data-dir-lock.js';
import { moveEarlierLocalTable } from './earlier-table.js';
import { loadLocalCursorKey } from './local-cursor-key.js';
import { recordPostedEvents } from './local-event-intake.js';
import { LocalFirstLogSource } from './local-first-log-source.js';
import { closeServer } from './local-http.js';
import { LocalLogStore } from './local-log-store.js';
import type { RequestLogEntry } from './local-logging.js';
import { LocalHttp, type RequestContext } from './local-routes.js';
import { OfflineServiceEventSource, OfflineTaskDefinitionSource } from './offline-ecs.js';
import {
  DEFAULT_SAMPLES_DIR,
  loadSamples,
  SAMPLE_CLUSTER_ID,
  SAMPLE_TASK_ID,
  SampleServiceEventSource,
  SampleTaskDefinitionSource,
} from './samples.js';

export const DEFAULT_LOCAL_PORT = 8787;
export const DEFAULT_LOCAL_HOST = '127.0.0.1';
/** Local mode's table; `tracer` held the earlier layout (see earlier-table.ts). */
export const LOCAL_TABLE_NAME = 'tracer-tasks';
/**
 * Local mode keeps tasks for ten years: the samples date from 2021, and a laptop has no bill to watch.
 * TRACER_RETENTION_DAYS overrides it as in AWS.
 */
export const DEFAULT_LOCAL_RETENTION_DAYS = 3650;
/** `.data` at the top of the repository, wherever the server is started from. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../.data/', import.meta.url));
/** Marks a data folder whose samples were loaded, so later starts skip the work. */
const SAMPLES_MARKER = 'samples-loaded';

/** When local mode uses AWS: when credentials are configured, always, or never. */
export type LocalAwsMode = 'auto' | 'on' | 'off';

export interface LocalServerOptions {
  /** 0 picks a free port. @default DEFAULT_LOCAL_PORT */
  readonly port?: number;
  /** @default DEFAULT_LOCAL_HOST: the API has no authentication, so it listens on loopback only */
  readonly host?: string;
  /** Where the table and the logs are kept. @default `.data` at the top of the repository */
  readonly dataDir?: string;
  /** @default DEFAULT_LOCAL_RETENTION_DAYS */
  readonly retentionDays?: number;
  /** @default 'auto': CloudWatch Logs and ECS when credentials are configured */
  readonly aws?: LocalAwsMode;
  /** Preloads the sample incidents on first start. @default true */
  readonly samples?: boolean;
  /** @default DEFAULT_SAMPLES_DIR */
  readonly samplesDir?: string;
  /** Recorder, API and server logs. @default JSON lines on stderr at info level */
  readonly logger?: Logger;
  /** Called once per request, after its answer. @default `logger.info('request', entry)` */
  readonly logRequest?: (entry: RequestLogEntry) => void;
  /** The environment that credential detection reads. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default the system clock */
  readonly clock?: Clock;
}

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Whether AWS is used, and why. */
  readonly aws: { readonly used: boolean; readonly detection: AwsCredentialsDetection };
  /** What happened to the samples at this start. */
  readonly samples: 'loaded' | 'already-loaded' | 'off';
  /** Stops accepting requests, finishes those in flight, and closes the table and the log file. */
  close(): Promise<void>;
}

export { LocalServerStartError };

type DynaliteServer = Server;
type DynaliteFactory = (options: {
  readonly path: string;
  readonly createTableMs: number;
  readonly deleteTableMs: number;
  readonly updateTableMs: number;
}) => DynaliteServer;

// dynalite is CommonJS without type declarations.
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new LocalServerStartError(`port ${port} on ${host} is in use; set PORT to another port`, {
              cause: error,
            })
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Starts dynalite on a loopback port, persisting in `path`, and a client for it. */
async function startTable(path: string): Promise<{ server: DynaliteServer; client: DynamoDBClient }> {
  await mkdir(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server, 0, '127.0.0.1');
  const client = withDomainErrors(
    new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      // dynalite checks that requests are signed, not who signed them.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
    }),
  );
  return { server, client };
}

async function stopTable(table: { server: DynaliteServer; client: DynamoDBClient }): Promise<void> {
  table.client.destroy();
  table.server.closeAllConnections();
  // dynalite's close waits for pending writes and closes LevelDB.
  await closeServer(table.server);
}

/** Records the sample incidents with the recorder's own code, as if ECS had sent their events. */
async function preloadSamples(
  table: DynamoDbTableOptions,
  logs: LocalLogStore,
  samplesDir: string,
  logger: Logger,
): Promise<void> {
  const samples = await loadSamples(samplesDir, table.clock.nowMs());
  const recorder = makeRecorderHandler({
    transitions: new DynamoDbTransitionStore(table),
    taskDefinitions: new DynamoDbTaskDefinitionStore(table),
    taskDefinitionSource: new SampleTaskDefinitionSource(samples),
    serviceEvents: new DynamoDbServiceEventStore(table),
    serviceEventSource: new SampleServiceEventSource(samples),
    clock: table.clock,
    logger,
    cache: createRecorderCache(),
    instances: new DynamoDbInstanceStore(table),
  });
  const { statusCode, body } = await recordPostedEvents(
    { recorder, logger },
    samples.events.map((event) => JSON.stringify(event)).join('\n'),
  );
  if (statusCode !== 200 || body.rejected > 0) {
    const problems = body.results.filter((r) => r.reason).map((r) => `${r.position}: ${r.reason}`);
    throw new TracerError(`the samples could not be recorded: ${problems.join('; ')}`);
  }
  // Streams already here were appended by an earlier start that stopped before it finished.
  await logs.append(samples.logs.filter((batch) => !logs.has(batch.logGroup, batch.logStream)));
}

/**
 * Starts tracer locally and resolves once it serves requests.
 * @throws LocalServerStartError when the port is taken or another local server holds the data folder.
 * @example const server = await startLocalServer({ port: 0, dataDir: tmp }); ...; await server.close();
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const clock = options.clock ?? systemClock;
  const retentionDays = options.retentionDays ?? DEFAULT_LOCAL_RETENTION_DAYS;
  const logger = options.logger ?? createLogger({ service: 'tracer-local' }, { write: stderrLine });
  const detection = detectAwsCredentials({ env: options.env ?? process.env });
  const awsMode = options.aws ?? 'auto';
  const useAws = awsMode === 'on' || (awsMode === 'auto' && detection.configured);

  await mkdir(dataDir, { recursive: true });
  const lock = await lockDataDir(dataDir);
  let table: Awaited<ReturnType<typeof startTable>>;
  try {
    table = await startTable(join(dataDir, 'dynamodb'));
  } catch (error) {
    await lock.release();
    throw error;
  }
  let logs: LocalLogStore | undefined;
  let ecs: ECSClient | undefined;
  try {
    try {
      await ensureTracerTable(table.client, LOCAL_TABLE_NAME);
    } catch (error) {
      throw new LocalServerStartError(
        `the table in ${dataDir} cannot be opened (${error instanceof Error ? error.message : error})`,
        { cause: error },
      );
    }
    logs = await LocalLogStore.open(join(dataDir, 'logs.jsonl'));
    const unreadable = logs.stats().unreadableLines;
    if (unreadable > 0) logger.warn('some lines of the log store could not be read back', { unreadable });
    // Records of a data folder from before accounts were recorded belong to the home scope: the one
    // TRACER_HOME_ACCOUNT and AWS_REGION name, else a fixed one (homeScopeEnv).
    const home = homeScopeEnv(options.env ?? process.env);
    const tableOptions: DynamoDbTableOptions = {
      client: table.client,
      tableName: LOCAL_TABLE_NAME,
      retentionDays,
      clock,
      home,
    };
    const moved = await moveEarlierLocalTable(tableOptions);
    if (moved) logger.info('moved the history of the earlier table layout', { ...moved });
    // A table from before the active-day registry: one scan now spares every listing a walk of ten years.
    const backfilled = await backfillActiveDays(tableOptions);
    if (backfilled.length > 0)
      logger.info('registered the active days of clusters', { clusters: backfilled });

    let samples: LocalServer['samples'] = 'off';
    if (options.samples ?? true) {
      const marker = join(dataDir, SAMPLES_MARKER);
      // The marker alone could outlive a table folder deleted by hand: the sample task must be there too.
      const loaded =
        (await exists(marker)) &&
        (await new DynamoDbTaskHistory(tableOptions).getTask(SAMPLE_CLUSTER_ID, SAMPLE_TASK_ID)) !==
          undefined;
      if (loaded) samples = 'already-loaded';
      else {
        await preloadSamples(
          tableOptions,
          logs,
          options.samplesDir ?? DEFAULT_SAMPLES_DIR,
          quiet(logger.child({ samples: true })),
        );
        await writeFile(marker, `${new Date(clock.nowMs()).toISOString()}\n`);
        samples = 'loaded';
      }
    }

    ecs = useAws ? new ECSClient({ maxAttempts: 5 }) : undefined;
    const taskDefinitions = new DynamoDbTaskDefinitionStore(tableOptions);
    const taskDefinitionSource = ecs
      ? new EcsTaskDefinitionSource({ client: ecs, clock })
      : new OfflineTaskDefinitionSource(clock);
    const cache = createRecorderCache();
    const recorder = makeRecorderHandler({
      transitions: new DynamoDbTransitionStore(tableOptions),
      taskDefinitions,
      taskDefinitionSource,
      serviceEvents: new DynamoDbServiceEventStore(tableOptions),
      serviceEventSource: ecs ? new EcsServiceEventSource({ client: ecs }) : new OfflineServiceEventSource(),
      clock,
      logger: logger.child({ handler: 'recorder' }),
      cache,
      instances: new DynamoDbInstanceStore(tableOptions),
    });
    const history = new DynamoDbTaskHistory(tableOptions);
    const cursorSeal = makeCursorSeal(await loadLocalCursorKey(dataDir));
    const api = makeApiHandler({
      cursorSeal: async () => cursorSeal,
      history,
      taskDefinitions,
      taskDefinitionSource,
      serviceEvents: new DynamoDbServiceEventStore(tableOptions),
      // Service events come from the table: what the recorder stored, and what it copied at each stop.
      logs: new LocalFirstLogSource(logs, useAws ? new CloudWatchLogSource() : undefined),
      ...(ecs ? { live: new EcsLiveTaskSource(ecs) } : {}),
      instances: new DynamoDbInstanceStore(tableOptions),
      clock,
      retentionDays,
      home,
      logger: logger.child({ handler: 'api' }),
    });

    const context: RequestContext = {
      recorder,
      api,
      logs,
      taskDefinitions,
      cache,
      logger,
      logRequest:
        options.logRequest ?? (({ details, ...entry }) => logger.info('request', { ...entry, ...details })),
      clock,
      dataDir,
      useAws,
    };
    const http = new LocalHttp(context);
    const port = await listen(
      http.server,
      options.port ?? DEFAULT_LOCAL_PORT,
      options.host ?? DEFAULT_LOCAL_HOST,
    );
    const host = options.host ?? DEFAULT_LOCAL_HOST;
    const openLogs = logs;
    const openEcs = ecs;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      dataDir,
      aws: { used: useAws, detection },
      samples,
      close: () => {
        closing ??= (async () => {
          try {
            await http.close();
          } finally {
            try {
              await openLogs.close();
              openEcs?.destroy();
              await stopTable(table);
            } finally {
              await lock.release();
            }
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await logs?.close().catch(() => undefined);
    ecs?.destroy();
    await stopTable(table).catch(() => undefined);
    await lock.release();
    throw error;
  }
}

/** Drops debug and info: recording the samples is not news on every first start. */
function quiet(logger: Logger): Logger {
  return { ...logger, debug: () => {}, info: () => {}, child: (fields) => quiet(logger.child(fields)) };
}

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}
