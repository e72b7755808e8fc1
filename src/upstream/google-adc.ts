/**
 * Google Application Default Credentials through Google's own library (`google-auth-library`),
 * which knows every source and its refresh rules: a `GOOGLE_APPLICATION_CREDENTIALS` file of type
 * `authorized_user` (`gcloud auth application-default login`), `external_account` (workload
 * identity federation from AWS, Azure, a Kubernetes token file…) or `impersonated_service_account`,
 * gcloud's well-known ADC file, and the metadata server on GCE, GKE and Cloud Run. Imported on first
 * use: a gateway without Vertex AI never loads it. Tokens are kept in a RefreshingCache (one refresh
 * shared by concurrent requests, five minutes before expiry, as the library itself would).
 */
import { CredentialsUnavailableError } from '../errors.ts';
import { CLOUD_PLATFORM_SCOPE, GoogleAuthError } from './google-auth.ts';
import { RefreshingCache } from './refreshing-cache.ts';

type Library = typeof import('google-auth-library');
type Loaded = {
  library: Library;
  auth: InstanceType<Library['GoogleAuth']>;
  client: import('google-auth-library').AuthClient;
};

export interface GoogleTokenSource {
  token(): Promise<string>;
  /** Finds the credentials, gets a first token, and says where it came from; never the token. */
  describe(): Promise<string>;
  /** The project the credentials belong to (key file, gcloud config, metadata server), if any. */
  projectId(): Promise<string | undefined>;
}

const REMEDY =
  'Set GOOGLE_APPLICATION_CREDENTIALS (a service-account key, external_account or authorized_user file), ' +
  'run `gcloud auth application-default login`, or run on Google Cloud with a service account attached (GCE, GKE, Cloud Run).';

export function applicationDefaultCredentials(options: {
  /** GOOGLE_APPLICATION_CREDENTIALS, named in the description; the library reads the variable itself. */
  keyFile?: string;
  /** When known, spares the library its project look-up (which runs the gcloud CLI). */
  projectId?: string;
  providerName: string;
}): GoogleTokenSource {
  const keyFile = options.keyFile;
  let loaded: Promise<Loaded> | undefined;
  const load = () => {
    loaded ??= (async () => {
      const library = await import('google-auth-library');
      const auth = new library.GoogleAuth({
        scopes: [CLOUD_PLATFORM_SCOPE],
        ...(options.projectId ? { projectId: options.projectId } : {}),
      });
      return { library, auth, client: await auth.getClient() };
    })().catch((error: unknown) => {
      // Not found now (e.g. the metadata server was slow): the next request looks again.
      loaded = undefined;
      throw new CredentialsUnavailableError(options.providerName, [messageOf(error)], REMEDY);
    });
    return loaded;
  };

  const tokens = new RefreshingCache<string>(async () => {
    const { client } = await load();
    let token: string | null | undefined;
    try {
      token = (await client.getAccessToken()).token;
    } catch (error) {
      throw new GoogleAuthError(messageOf(error));
    }
    if (!token) throw new GoogleAuthError('the credentials gave no access token');
    const expiry = client.credentials.expiry_date;
    return { value: token, expiresAt: typeof expiry === 'number' ? expiry : Date.now() + 3600_000 };
  });

  return {
    token: () => tokens.get(),
    async describe() {
      const { library, client } = await load();
      await tokens.get();
      return describeClient(library, client, keyFile);
    },
    async projectId() {
      const { auth } = await load();
      try {
        return (await auth.getProjectId()) || undefined;
      } catch {
        return undefined;
      }
    },
  };
}

function describeClient(library: Library, client: object, keyFile: string | undefined): string {
  const file = keyFile
    ? `GOOGLE_APPLICATION_CREDENTIALS ('${keyFile}')`
    : "gcloud's application-default credentials file";
  if (client instanceof library.Compute)
    return 'Google metadata server (the attached service account on GCE, GKE, Cloud Run)';
  if (client instanceof library.BaseExternalAccountClient)
    return `external account (workload identity federation) from ${file}`;
  if (client instanceof library.ExternalAccountAuthorizedUserClient)
    return `external account authorized user from ${file}`;
  if (client instanceof library.Impersonated) return `impersonated service account from ${file}`;
  if (client instanceof library.UserRefreshClient)
    return `authorized user (gcloud auth application-default login) from ${file}`;
  if (client instanceof library.JWT) return `service-account key from ${file}`;
  return `Application Default Credentials from ${file}`;
}

/** The library's messages name the source and its failure; its errors' other fields may hold request data. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 500);
}
