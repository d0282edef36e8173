import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * The cursor key of the trace API: the value of the Secrets Manager secret that the stack generates. Read
 * once per cold start by the query function, the only principal allowed to read it. The client is built
 * the standard way, so AWS_REGION and AWS_ENDPOINT_URL_SECRETS_MANAGER apply.
 */
export class SecretsManagerCursorKey {
  constructor(
    private readonly secretArn: string,
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
  ) {}

  /**
   * The secret's string value.
   * @throws Error when the secret holds no string (it was replaced by hand with a binary value).
   */
  async read(): Promise<string> {
    const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
    if (output.SecretString === undefined || output.SecretString === '') {
      throw new Error(`the cursor secret ${this.secretArn} holds no string value`);
    }
    return output.SecretString;
  }
}
