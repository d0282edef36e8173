/**
 * Temporary credentials of the source accounts' read roles: one STS AssumeRole per role, shared by every
 * client of that account and region, and asked again shortly before the credentials expire.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ReadRoleError } from '../../core/errors.js';
import type { Clock } from '../../use-cases/ports.js';

/** What AssumeRole hands back; the SDK clients take it as their `credentials`. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Asks STS for a role's credentials. */
export type AssumeRole = (roleArn: string) => Promise<TemporaryCredentials>;

/**
 * Credentials are asked for again this long before they expire: the SDK clients treat credentials within
 * five minutes of their expiry as expired, so a refresh must have happened by then.
 */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
/** A role that could not be assumed is not asked for again for this long: each event or read would retry it. */
export const REFUSED_ROLE_TTL_MS = 60_000;
/** The session length asked for: the longest a role allows by default (its MaxSessionDuration is 1 h). */
export const READ_ROLE_SESSION_SECONDS = 3_600;

/**
 * STS answers that say the role is missing, or the function may not assume it (its trust policy, an SCP,
 * STS disabled in the region): retrying does not help until the source account changes.
 */
const REFUSED: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'NoSuchEntity',
  'NoSuchEntityException',
  'RegionDisabledException',
]);

interface Entry {
  readonly credentials?: TemporaryCredentials;
  readonly pending?: Promise<TemporaryCredentials>;
  readonly refused?: { readonly error: ReadRoleError; readonly untilMs: number };
}

export interface ReadRoleCredentialsOptions {
  readonly assume: AssumeRole;
  readonly clock: Clock;
  /** @default REFRESH_BEFORE_EXPIRY_MS */
  readonly refreshBeforeExpiryMs?: number;
  /** @default REFUSED_ROLE_TTL_MS */
  readonly refusedRoleTtlMs?: number;
}

/**
 * The credentials of each read role, kept per role ARN (one per source account and region). Concurrent
 * callers share one AssumeRole; credentials are reused until `refreshBeforeExpiryMs` before their expiry.
 * A refused role (missing, not trusted) fails fast for `refusedRoleTtlMs`; a refresh that fails while the
 * old credentials are still valid keeps using them. Throttling and network faults are thrown unchanged.
 * @example const cache = new ReadRoleCredentials({ assume: stsAssumeRole({ sessionName: 'tracer-api' }), clock: systemClock });
 */
export class ReadRoleCredentials {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshBeforeExpiryMs: number;
  private readonly refusedRoleTtlMs: number;

  constructor(private readonly options: ReadRoleCredentialsOptions) {
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? REFRESH_BEFORE_EXPIRY_MS;
    this.refusedRoleTtlMs = options.refusedRoleTtlMs ?? REFUSED_ROLE_TTL_MS;
  }

  /**
   * The role's credentials, from the cache or a new AssumeRole.
   * @throws ReadRoleError when STS refuses the role; STS's own error for throttling or network faults.
   */
  credentials(roleArn: string): Promise<TemporaryCredentials> {
    const nowMs = this.options.clock.nowMs();
    const entry = this.entries.get(roleArn);
    if (entry?.pending) return entry.pending;
    if (entry?.credentials && this.fresh(entry.credentials, nowMs + this.refreshBeforeExpiryMs)) {
      return Promise.resolve(entry.credentials);
    }
    if (entry?.refused && nowMs < entry.refused.untilMs) return Promise.reject(entry.refused.error);
    const previous = entry?.credentials;
    const pending = this.options.assume(roleArn).then(
      (credentials) => {
        this.entries.set(roleArn, { credentials });
        return credentials;
      },
      (error: unknown) => {
        const failedAtMs = this.options.clock.nowMs();
        if (previous && this.fresh(previous, failedAtMs)) {
          // Still valid for a while: the next caller asks again.
          this.entries.set(roleArn, { credentials: previous });
          return previous;
        }
        const refused = refusal(roleArn, error);
        if (refused) {
          this.entries.set(roleArn, {
            refused: { error: refused, untilMs: failedAtMs + this.refusedRoleTtlMs },
          });
          throw refused;
        }
        this.entries.delete(roleArn);
        throw error;
      },
    );
    this.entries.set(roleArn, { ...(previous ? { credentials: previous } : {}), pending });
    return pending;
  }

  private fresh(credentials: TemporaryCredentials, atMs: number): boolean {
    return credentials.expiration === undefined || credentials.expiration.getTime() > atMs;
  }
}

function refusal(roleArn: string, error: unknown): ReadRoleError | undefined {
  if (error instanceof ReadRoleError) return error;
  const name = error instanceof Error ? error.name : '';
  return REFUSED.has(name) ? new ReadRoleError(roleArn, name, 'assume', { cause: error }) : undefined;
}

/** Who assumes the role: CloudTrail in the source account shows it as the session name. */
export interface StsAssumeRoleOptions {
  /** The role session name; 2 to 64 of `[\w+=,.@-]`, longer names are cut. */
  readonly sessionName: string;
  /** @default READ_ROLE_SESSION_SECONDS */
  readonly durationSeconds?: number;
}

/**
 * AssumeRole with one STS client built the standard way: the function's credentials, its region
 * (AWS_REGION, a regional STS endpoint) and AWS_ENDPOINT_URL_STS come from the environment.
 * @example const assume = stsAssumeRole({ sessionName: 'tracer-notifier' });
 */
export function stsAssumeRole(options: StsAssumeRoleOptions): AssumeRole {
  const sessionName = roleSessionName(options.sessionName);
  let client: STSClient | undefined;
  return async (roleArn) => {
    client ??= new STSClient({});
    const { Credentials: c } = await client.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        DurationSeconds: options.durationSeconds ?? READ_ROLE_SESSION_SECONDS,
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new Error(`STS AssumeRole of ${roleArn} returned no credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  };
}

/**
 * A valid role session name from any text: characters STS rejects become `-`, and it is cut to 64.
 * @example roleSessionName('tracer api/Tracer-QueryFunction') === 'tracer-api-Tracer-QueryFunction'
 */
export function roleSessionName(text: string): string {
  const name = text.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return name.length >= 2 ? name : `${name}--`.slice(0, 2);
}
