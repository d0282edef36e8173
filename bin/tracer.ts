// The `tracer` command. Everything lives in lambda/cli; heavy modules load lazily on the paths that use them.
import { processIo } from '../lambda/cli/io.js';
import { runCli } from '../lambda/cli/main.js';

// stderr carries one line per error; the SDK's multi-line notice that Node 20 nears its end of support would
// bury it on every run, and the engine field already tells users which Node versions tracer supports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // `tracer ... | head` closes stdout early: that is a normal end, not an error.
  if (error.code === 'EPIPE') process.exit(0);
  process.stderr.write(`tracer: cannot write the output: ${error.message}\n`);
  process.exit(1);
});

process.exitCode = await runCli(process.argv.slice(2), processIo());
