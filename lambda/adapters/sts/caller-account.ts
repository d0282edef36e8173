/**
 * The account of the credentials a person's tool runs with (STS GetCallerIdentity, which needs no
 * permission), for `--live`, which can only read the clusters of that account.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/**
 * The account id of the chosen profile's credentials.
 * @example const account = await callerAccount({ profile: 'prod' });
 */
export async function callerAccount(settings: {
  readonly profile?: string;
  readonly region?: string;
}): Promise<string | undefined> {
  const client = new STSClient({ ...settings });
  try {
    return (await client.send(new GetCallerIdentityCommand({}))).Account;
  } finally {
    client.destroy();
  }
}
