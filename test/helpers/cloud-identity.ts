/**
 * Stand-ins on 127.0.0.1 for the cloud platforms' identity endpoints, speaking their real wire
 * formats, so the platforms' own credential libraries run unchanged against them (pointed there by
 * the libraries' own override variables). Each issues numbered credentials that expire after
 * `lifetimeS`, counts what it issued, and registers every secret it hands out with the log and
 * response scan of gateway.ts.
 */

import { treatAsSecret } from './gateway.ts';
import { json, MockUpstream, sleep } from './mock-upstream.ts';

export interface IssuedAwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** Numbered temporary AWS keys: `ASIA<kind><n>…`, each registered as a secret. */
function awsKeys(kind: string, n: number): IssuedAwsKeys {
  const keys = {
    accessKeyId: `ASIA${kind.toUpperCase()}${String(n).padStart(4, '0')}EXAMPLE`,
    secretAccessKey: `${kind}-secret-${n}-wJalrXUtnFEMIK7MDENGbPxRfiCY`,
    sessionToken: `${kind}-session-${n}-IQoJb3JpZ2luX2VjEXAMPLE`,
  };
  treatAsSecret(keys.secretAccessKey);
  treatAsSecret(keys.sessionToken);
  return keys;
}

/** The EC2 instance metadata service, IMDSv2 (a session token first, then the role's keys). */
export class MockImds {
  readonly upstream = new MockUpstream();
  readonly issued: IssuedAwsKeys[] = [];
  lifetimeS = 3600;
  delayMs = 0;
  /** Requests for credentials that came without a valid IMDSv2 session token. */
  readonly refusals: string[] = [];
  readonly role = 'switchyard-instance-role';
  readonly #sessionToken = 'imds-session-AQAEAFTNrA4eEGx0';

  get endpoint(): string {
    return this.upstream.url;
  }

  async start(): Promise<this> {
    await this.upstream.start();
    this.upstream.handle(async (req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') {
        if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return json(res, 400, {});
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(this.#sessionToken);
      }
      if (req.headers['x-aws-ec2-metadata-token'] !== this.#sessionToken) {
        this.refusals.push(`${req.method} ${req.url}`);
        res.writeHead(401);
        return void res.end();
      }
      const path = req.url.replace('/security-credentials-extended/', '/security-credentials/');
      if (path === '/latest/meta-data/iam/security-credentials/') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(this.role);
      }
      if (path === `/latest/meta-data/iam/security-credentials/${this.role}`) {
        if (this.delayMs) await sleep(this.delayMs);
        const keys = awsKeys('imds', this.issued.length + 1);
        this.issued.push(keys);
        return json(res, 200, {
          Code: 'Success',
          LastUpdated: new Date().toISOString(),
          Type: 'AWS-HMAC',
          AccessKeyId: keys.accessKeyId,
          SecretAccessKey: keys.secretAccessKey,
          Token: keys.sessionToken,
          Expiration: new Date(Date.now() + this.lifetimeS * 1000).toISOString(),
        });
      }
      res.writeHead(404);
      res.end();
    });
    return this;
  }

  close(): Promise<void> {
    return this.upstream.close();
  }
}

/**
 * AWS STS's query API: AssumeRoleWithWebIdentity (unsigned; the web identity token in the form)
 * and AssumeRole (signed by the caller's keys, which the test checks through `received`).
 */
export class MockSts {
  readonly upstream = new MockUpstream();
  readonly issued: IssuedAwsKeys[] = [];
  /** What each call asked for: the action, the role, the web identity token. */
  readonly calls: { action: string; roleArn: string | null; webIdentityToken: string | null }[] = [];
  lifetimeS = 3600;

  get endpoint(): string {
    return this.upstream.url;
  }

  async start(): Promise<this> {
    await this.upstream.start();
    this.upstream.handle((req, res) => {
      const form = new URLSearchParams(req.body);
      const action = form.get('Action') ?? '';
      this.calls.push({ action, roleArn: form.get('RoleArn'), webIdentityToken: form.get('WebIdentityToken') });
      if (action !== 'AssumeRoleWithWebIdentity' && action !== 'AssumeRole') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        return void res.end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
      }
      const keys = awsKeys('sts', this.issued.length + 1);
      this.issued.push(keys);
      const expiration = new Date(Date.now() + this.lifetimeS * 1000).toISOString();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>` +
          `<Credentials><AccessKeyId>${keys.accessKeyId}</AccessKeyId><SecretAccessKey>${keys.secretAccessKey}</SecretAccessKey>` +
          `<SessionToken>${keys.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:switchyard</AssumedRoleId><Arn>${form.get('RoleArn')}/switchyard</Arn></AssumedRoleUser>` +
          `</${action}Result><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></${action}Response>`,
      );
    });
    return this;
  }

  close(): Promise<void> {
    return this.upstream.close();
  }
}

/** The ECS / EKS Pod Identity container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`). */
export class MockContainerCredentials {
  readonly upstream = new MockUpstream();
  readonly issued: IssuedAwsKeys[] = [];
  readonly authorization = 'pod-identity-authorization-token-EXAMPLE';
  readonly refusals: string[] = [];

  get uri(): string {
    return `${this.upstream.url}/v1/credentials`;
  }

  async start(): Promise<this> {
    treatAsSecret(this.authorization);
    await this.upstream.start();
    this.upstream.handle((req, res) => {
      if (req.headers.authorization !== this.authorization) {
        this.refusals.push(String(req.headers.authorization));
        return json(res, 401, { message: 'unauthorized' });
      }
      const keys = awsKeys('ecs', this.issued.length + 1);
      this.issued.push(keys);
      return json(res, 200, {
        AccessKeyId: keys.accessKeyId,
        SecretAccessKey: keys.secretAccessKey,
        Token: keys.sessionToken,
        Expiration: new Date(Date.now() + 3600_000).toISOString(),
      });
    });
    return this;
  }

  close(): Promise<void> {
    return this.upstream.close();
  }
}

/** The IAM Identity Center (SSO) portal's GetRoleCredentials, which `aws sso login`'s cached token unlocks. */
export class MockSsoPortal {
  readonly upstream = new MockUpstream();
  readonly issued: IssuedAwsKeys[] = [];
  /** What each call asked for: account, role, and whether the bearer token was the cached one. */
  readonly calls: { account: string | null; role: string | null; tokenOk: boolean }[] = [];

  constructor(readonly accessToken: string) {}

  get endpoint(): string {
    return this.upstream.url;
  }

  async start(): Promise<this> {
    treatAsSecret(this.accessToken);
    await this.upstream.start();
    this.upstream.handle((req, res) => {
      const url = new URL(req.url, 'http://x');
      const tokenOk = req.headers['x-amz-sso_bearer_token'] === this.accessToken;
      this.calls.push({
        account: url.searchParams.get('account_id'),
        role: url.searchParams.get('role_name'),
        tokenOk,
      });
      if (url.pathname !== '/federation/credentials' || !tokenOk)
        return json(res, 401, { message: 'Session token not found or invalid' });
      const keys = awsKeys('sso', this.issued.length + 1);
      this.issued.push(keys);
      return json(res, 200, {
        roleCredentials: {
          accessKeyId: keys.accessKeyId,
          secretAccessKey: keys.secretAccessKey,
          sessionToken: keys.sessionToken,
          expiration: Date.now() + 3600_000,
        },
      });
    });
    return this;
  }

  close(): Promise<void> {
    return this.upstream.close();
  }
}

/** Google's metadata server (`GCE_METADATA_HOST`): detection, the default account's token, the project. */
export class MockGoogleMetadata {
  readonly upstream = new MockUpstream();
  readonly issued: string[] = [];
  /** Token requests, with the scopes they asked for. */
  readonly tokenRequests: string[] = [];
  lifetimeS = 3599;
  delayMs = 0;
  project = 'metadata-project';

  get host(): string {
    return `127.0.0.1:${this.upstream.port}`;
  }

  async start(): Promise<this> {
    await this.upstream.start();
    this.upstream.handle(async (req, res) => {
      const headers = { 'metadata-flavor': 'Google', 'content-type': 'text/plain' };
      if (req.headers['metadata-flavor'] !== 'Google') {
        res.writeHead(403, headers);
        return void res.end('Missing required header "Metadata-Flavor": "Google"');
      }
      const path = req.url.split('?')[0];
      if (path === '/computeMetadata/v1/instance' || path === '/computeMetadata/v1/instance/') {
        res.writeHead(200, headers);
        return void res.end('attributes/\nservice-accounts/\n');
      }
      if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
        this.tokenRequests.push(req.url);
        if (this.delayMs) await sleep(this.delayMs);
        const token = `ya29.metadata-token-${this.issued.length + 1}-c.b0AXv0zTOEXAMPLE`;
        this.issued.push(token);
        treatAsSecret(token);
        res.writeHead(200, { ...headers, 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ access_token: token, expires_in: this.lifetimeS, token_type: 'Bearer' }));
      }
      if (path === '/computeMetadata/v1/project/project-id') {
        res.writeHead(200, headers);
        return void res.end(this.project);
      }
      if (path === '/computeMetadata/v1/universe/universe-domain') {
        res.writeHead(200, headers);
        return void res.end('googleapis.com');
      }
      res.writeHead(404, headers);
      res.end('not found');
    });
    return this;
  }

  close(): Promise<void> {
    return this.upstream.close();
  }
}

/** Google's Security Token Service (the `token_url` of an `external_account` file): RFC 8693 token exchange. */
export class MockGoogleSts {
  readonly upstream = new MockUpstream();
  readonly issued: string[] = [];
  /** The subject tokens presented, to check they are the file's. */
  readonly subjectTokens: string[] = [];
  readonly refusals: string[] = [];
  lifetimeS = 3600;

  get tokenUrl(): string {
    return `${this.upstream.url}/v1/token`;
  }

  async start(expectedAudience: string): Promise<this> {
    await this.upstream.start();
    this.upstream.handle((req, res) => {
      const form = new URLSearchParams(req.body);
      const problems = [
        req.method === 'POST' && req.url === '/v1/token' ? '' : `unexpected ${req.method} ${req.url}`,
        form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange' ? '' : 'grant_type',
        form.get('audience') === expectedAudience ? '' : `audience ${form.get('audience')}`,
        form.get('requested_token_type') === 'urn:ietf:params:oauth:token-type:access_token' ? '' : 'requested type',
        form.get('scope')?.includes('https://www.googleapis.com/auth/cloud-platform')
          ? ''
          : `scope ${form.get('scope')}`,
      ].filter(Boolean);
      if (problems.length) {
        this.refusals.push(problems.join(', '));
        return json(res, 400, { error: 'invalid_request', error_description: problems.join(', ') });
      }
      this.subjectTokens.push(form.get('subject_token') ?? '');
      const token = `ya29.federated-token-${this.issued.length + 1}-EXAMPLE`;
      this.issued.push(token);
      treatAsSecret(token);
      return json(res, 200, {
        access_token: token,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: this.lifetimeS,
      });
    });
    return this;
  }

  close(): Promise<void> {
    return this.upstream.close();
  }
}

/** Azure's managed identity endpoint as App Service, Functions and Container Apps expose it (`IDENTITY_ENDPOINT`). */
export class MockManagedIdentity {
  readonly upstream = new MockUpstream();
  readonly issued: string[] = [];
  /** The resource each token request asked for. */
  readonly resources: string[] = [];
  /** The user-assigned identity each token request named (client_id), or null for the system-assigned one. */
  readonly clientIds: (string | null)[] = [];
  readonly refusals: string[] = [];
  readonly identityHeader = 'managed-identity-header-secret-EXAMPLE';
  lifetimeS = 3600;
  delayMs = 0;

  get endpoint(): string {
    return `${this.upstream.url}/msi/token`;
  }

  async start(): Promise<this> {
    treatAsSecret(this.identityHeader);
    await this.upstream.start();
    this.upstream.handle(async (req, res) => {
      const url = new URL(req.url, 'http://x');
      if (url.pathname !== '/msi/token' || req.headers['x-identity-header'] !== this.identityHeader) {
        this.refusals.push(`${req.method} ${req.url} header=${req.headers['x-identity-header'] ? 'wrong' : 'missing'}`);
        return json(res, 401, { error: 'unauthorized' });
      }
      this.resources.push(url.searchParams.get('resource') ?? '');
      this.clientIds.push(url.searchParams.get('client_id'));
      if (this.delayMs) await sleep(this.delayMs);
      const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.managed-identity-${this.issued.length + 1}.EXAMPLE`;
      this.issued.push(token);
      treatAsSecret(token);
      return json(res, 200, {
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + this.lifetimeS),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
        client_id: '00000000-0000-0000-0000-000000000001',
      });
    });
    return this;
  }

  close(): Promise<void> {
    return this.upstream.close();
  }
}

/**
 * Points the platforms' libraries, which read `process.env`, at `env` alone for the rest of the
 * test file (or until the returned function runs): the developer's own cloud variables and files
 * (~/.aws, gcloud's ADC file, the Azure CLI's sign-in) stay out, the metadata services are off
 * unless a test points them at a mock. Returns `env` for startGateway.
 */
export function useCloudEnv(
  env: Record<string, string>,
  home: string,
): { env: Record<string, string>; restore: () => void } {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env))
    if (/^(AWS_|GOOGLE_|GCE_|GCLOUD|CLOUDSDK_|AZURE_|IDENTITY_|IMDS_|MSI_|METADATA_SERVER)/.test(name))
      delete process.env[name];
  const isolated: Record<string, string> = {
    HOME: home,
    AWS_CONFIG_FILE: `${home}/.aws/config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/.aws/credentials`,
    AWS_EC2_METADATA_DISABLED: 'true',
    CLOUDSDK_CONFIG: `${home}/.config/gcloud`,
    METADATA_SERVER_DETECTION: 'none',
    // Only the production sources: no Azure CLI, azd, PowerShell or VS Code probing.
    AZURE_TOKEN_CREDENTIALS: 'prod',
    ...env,
  };
  Object.assign(process.env, isolated);
  return {
    env: isolated,
    restore() {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    },
  };
}
