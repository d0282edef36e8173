// The `tracer` command. Everything lives in lambda/cli; heavy modules load lazily on the paths that use them.
import { processIo } from '../lambda/cli/io.js';
import { runCli } from '../lambda/cli/main.js';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // `tracer ... | head` closes stdout early: that is a normal end, not an error.
  if (error.code === 'EPIPE') process.exit(0);
  process.stderr.write(`tracer: cannot write the output: ${error.message}\n`);
  process.exit(1);
});

process.exitCode = await runCli(process.argv.slice(2), processIo());
