// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { challengeOf } from "./pkce";
import { loadSession, saveSession, sessionFromToken } from "./session";

function jwt(claims: object): string {
  const part = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "HS256" })}.${part(claims)}.signature`;
}

describe("sign-in", () => {
  it("computes the S256 challenge of RFC 7636's example verifier", async () => {
    expect(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });
  it("reads who is signed in from the token, keeping only the roles the console knows", () => {
    const session = sessionFromToken(jwt({ sub: "luca", name: "Luca Bianchi", roles: ["applicant", "other-app"] }));
    expect(session).toMatchObject({ sub: "luca", name: "Luca Bianchi", roles: ["applicant"] });
  });
  it("forgets an expired session", () => {
    saveSession(jwt({ sub: "old", roles: [], exp: Math.floor(Date.now() / 1000) - 60 }));
    expect(loadSession()).toBeNull();
    saveSession(jwt({ sub: "new", roles: ["auditor"], exp: Math.floor(Date.now() / 1000) + 600 }));
    expect(loadSession()?.roles).toEqual(["auditor"]);
  });
});
