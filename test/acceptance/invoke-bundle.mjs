// Runs one Lambda bundle from cdk.out in a fresh Node process, the way the Lambda runtime does: import the
// module, call its `handler` with the event, print the result as JSON on the last stdout line.
// Usage: node invoke-bundle.mjs <bundle dir> <event json file>
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundleDir, eventFile] = process.argv.slice(2);
const event = JSON.parse(await readFile(eventFile, 'utf8'));
const module = await import(pathToFileURL(join(bundleDir, 'index.mjs')).href);
const context = {
  awsRequestId: 'acceptance-request',
  functionName: 'acceptance',
  getRemainingTimeInMillis: () => 60_000,
};
try {
  const result = await module.handler(event, context);
  process.stdout.write(`\n${JSON.stringify({ ok: true, result: result ?? null })}\n`);
} catch (error) {
  process.stdout.write(`\n${JSON.stringify({ ok: false, error: String(error?.stack ?? error) })}\n`);
}
