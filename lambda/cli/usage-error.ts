import { TracerError } from '../core/errors.js';

/** A command line that cannot be used; exit code 2 with a usage line. */
export class UsageError extends TracerError {}
