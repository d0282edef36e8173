/**
 * `npm start`: tracer locally, with no AWS account. Settings come from the environment:
 * PORT (default 8787), TRACER_DATA_DIR (default `.data`), TRACER_RETENTION_DAYS (default 3650),
 * TRACER_LOG_LEVEL (default info: a line per request; debug: JSON logs), TRACER_LOCAL_AWS (auto, on or off; default auto) and
 * TRACER_LOCAL_SAMPLES (on or off; default on).
 */
import { banner } from './banner.js';
import { createLocalLogging } from './local-logging.js';
import { localOptionsFromEnv } from './local-options.js';
import { LocalServerStartError, startLocalServer } from './local-server.js';

async function main(): Promise<number> {
  // Node 20 is fine for a laptop (Lambda runs Node 22); the SDK's end-of-support notice is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: ReturnType<typeof localOptionsFromEnv>;
  try {
    options = localOptionsFromEnv(process.env);
  } catch (error) {
    process.stderr.write(`tracer: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const { logger, logRequest } = createLocalLogging(options.level, (line) =>
    process.stderr.write(`${line}\n`),
  );
  let server: Awaited<ReturnType<typeof startLocalServer>>;
  try {
    server = await startLocalServer({ ...options, logger, logRequest });
  } catch (error) {
    if (error instanceof LocalServerStartError) {
      process.stderr.write(`tracer: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  process.stdout.write(banner(server));

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = () => {
      // A terminal's Ctrl-C reaches npm, tsx and node alike, and tsx relays it: one stop is enough, and
      // the shutdown is bounded anyway (requests in flight get SHUTDOWN_GRACE_MS of local-routes.ts).
      if (stopping) return;
      stopping = true;
      process.stdout.write('\nstopping: finishing requests in flight and closing the table...\n');
      server.close().then(
        () => {
          process.stdout.write('stopped; the data is kept in the data folder\n');
          resolveExit(0);
        },
        (error: unknown) => {
          process.stderr.write(
            `tracer: could not stop cleanly: ${error instanceof Error ? error.message : error}\n`,
          );
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

process.exit(await main());
