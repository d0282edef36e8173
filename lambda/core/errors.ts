/**
 * Named errors for expected failures. One function in the HTTP layer maps them to status codes; everything
 * else is an unexpected 500 whose details stay in the logs.
 */
export class TracerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An EventBridge event that is not a well-formed ECS event. The reason names the offending field. */
export class InvalidTaskEventError extends TracerError {
  constructor(
    readonly reason: string,
    readonly eventId?: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid ECS event${eventId ? ` ${eventId}` : ''}: ${reason}`, options);
  }
}

/** Caller input (a path, a query parameter, a flag) that cannot be used. */
export class InvalidInputError extends TracerError {}

/** A task that tracer never recorded, or whose records expired, and that ECS no longer knows. */
export class TaskNotFoundError extends TracerError {
  constructor(
    readonly cluster: string,
    readonly taskId: string,
    readonly retentionDays?: number,
  ) {
    super(
      `task ${taskId} not found in cluster ${cluster}` +
        (retentionDays !== undefined ? ` (tracer keeps tasks for ${retentionDays} days)` : ''),
    );
  }
}

/** A cluster that tracer has never recorded. */
export class ClusterNotFoundError extends TracerError {
  constructor(readonly cluster: string) {
    super(`cluster ${cluster} has no recorded tasks`);
  }
}

/** The caller is not allowed to do what it asked (IAM denied an AWS call or the API refused the request). */
export class AccessDeniedError extends TracerError {}

/**
 * AWS kept throttling after all retries. `retryAfterSeconds` is how long a caller should wait before it
 * tries again, when the adapter that gave up knows better than the default.
 */
export class ThrottledError extends TracerError {
  readonly retryAfterSeconds?: number;

  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A container's logs that could not be read: the reason ends up in a TRACER notice line, never a failure. */
export class LogUnavailableError extends TracerError {
  constructor(
    readonly reason: 'log-group-not-found' | 'log-stream-not-found' | 'access-denied' | 'throttled' | 'error',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A read of another account that its read role could not make: the role is missing or may not be assumed
 * (`assume`), or it lacks the permission (`read`). The message names the role and the AWS error code, never
 * the AWS message (which names the caller's own role); traces show it as a `TRACER` notice.
 */
export class ReadRoleError extends AccessDeniedError {
  constructor(
    readonly roleArn: string,
    readonly code: string,
    readonly step: 'assume' | 'read',
    options?: { cause?: unknown },
  ) {
    super(
      step === 'assume'
        ? `the read role ${roleArn} could not be assumed (${code}); is tracer's source stack deployed in that account and region?`
        : `the read role ${roleArn} was denied (${code})`,
      options,
    );
  }
}
