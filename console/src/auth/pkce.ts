// OpenID Connect authorisation code flow with PKCE (RFC 7636) for a public client.

export interface OidcSettings { issuer: string; client_id: string; scope: string; resource?: string | null }
interface Discovery { authorization_endpoint: string; token_endpoint: string; end_session_endpoint?: string }
interface Pending { verifier: string; state: string; nonce: string }

const PENDING = "cascade.oidc.pending";

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 challenge of a verifier. */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the identity provider's discovery answered ${response.status}`);
  return (await response.json()) as Discovery;
}

export function redirectUri(): string {
  return `${location.origin}/signin/callback`;
}

/** The address to send the browser to; remembers the verifier and state for the callback. */
export async function authorisationUrl(settings: OidcSettings, storage: Storage = sessionStorage): Promise<string> {
  const discovery = await discover(settings.issuer);
  const pending: Pending = { verifier: randomToken(), state: randomToken(16), nonce: randomToken(16) };
  storage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code", client_id: settings.client_id, redirect_uri: redirectUri(), scope: settings.scope,
    state: pending.state, nonce: pending.nonce, code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: "S256", ...(settings.resource ? { resource: settings.resource } : {}),
  }).toString();
  return url.toString();
}

/** The bearer token for the services, from the provider's answer to the callback. */
export async function completeSignIn(settings: OidcSettings, query: URLSearchParams,
  storage: Storage = sessionStorage): Promise<string> {
  const pending = JSON.parse(storage.getItem(PENDING) ?? "null") as Pending | null;
  storage.removeItem(PENDING);
  if (query.get("error")) throw new Error(query.get("error_description") ?? query.get("error") ?? "");
  if (!pending || query.get("state") !== pending.state) throw new Error("state_mismatch");
  const discovery = await discover(settings.issuer);
  const response = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: query.get("code") ?? "", redirect_uri: redirectUri(),
      client_id: settings.client_id, code_verifier: pending.verifier,
      ...(settings.resource ? { resource: settings.resource } : {}),
    }),
  });
  const answer = (await response.json()) as { access_token?: string; id_token?: string; error?: string };
  if (!response.ok || !answer.access_token) throw new Error(answer.error ?? `token endpoint answered ${response.status}`);
  return answer.access_token;
}
