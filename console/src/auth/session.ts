// Who is signed in: the bearer token and the claims it carries, kept in the browser until it expires or they sign out.

export const ROLES = ["applicant", "evaluator", "programme_manager", "finance_officer", "auditor", "reviewer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Session { token: string; sub: string; name: string | null; roles: Role[] }

const KEY = "cascade.session";

/** The claims of a JWT, without verifying it: the services verify; the console only reads. */
export function claimsOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) throw new Error("not a JWT");
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export function sessionFromToken(token: string): Session {
  const claims = claimsOf(token);
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is Role => ROLES.includes(r as Role)) : [];
  return { token, sub: String(claims.sub ?? ""), name: typeof claims.name === "string" ? claims.name : null, roles };
}

export function loadSession(storage: Storage = localStorage): Session | null {
  const token = storage.getItem(KEY);
  if (!token) return null;
  try {
    const session = sessionFromToken(token);
    const exp = Number(claimsOf(token).exp ?? 0);
    return exp * 1000 > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(token: string | null, storage: Storage = localStorage): void {
  if (token) storage.setItem(KEY, token);
  else storage.removeItem(KEY);
}
