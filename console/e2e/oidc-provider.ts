// A real, certified OpenID provider (the `oidc-provider` package) for the sign-in journey:
// authorisation code flow with PKCE for the console, JWT access tokens the services verify.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import type { Server } from "node:http";
import Provider from "oidc-provider";

export const AUDIENCE = "urn:cascade:api";
// Who may sign in at this provider, and the roles their tokens carry.
const ACCOUNTS: Record<string, { name: string; roles: string[] }> = {
  maria: { name: "Maria Rossi", roles: ["programme_manager"] },
};

export async function startProvider(port: number, consoleOrigin: string): Promise<{ issuer: string; close(): Promise<void> }> {
  const issuer = `http://127.0.0.1:${port}`;
  const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const provider = new Provider(issuer, {
    clients: [{
      client_id: "cascade-console", token_endpoint_auth_method: "none",
      redirect_uris: [`${consoleOrigin}/signin/callback`], grant_types: ["authorization_code"], response_types: ["code"],
    }],
    jwks: { keys: [{ ...key, kid: randomUUID(), alg: "RS256", use: "sig" }] },
    cookies: { keys: [randomUUID()] },
    pkce: { required: () => true },
    claims: { openid: ["sub"], profile: ["name"] },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: "openid profile", audience: AUDIENCE, accessTokenFormat: "jwt", jwt: { sign: { alg: "RS256" } } }),
      },
    },
    async findAccount(_ctx, sub) {
      const account = ACCOUNTS[sub];
      return account ? { accountId: sub, claims: () => ({ sub, name: account.name }) } : undefined;
    },
    async extraTokenClaims(_ctx, token) {
      const account = ACCOUNTS[(token as { accountId?: string }).accountId ?? ""];
      return account ? { roles: account.roles, name: account.name } : undefined;
    },
  });
  const server: Server = await new Promise((done) => { const s = provider.listen(port, () => done(s)); });
  return { issuer, close: () => new Promise((done) => server.close(() => done())) };
}
