// Production sign-in: OpenID Connect code flow with PKCE against a real provider; the
// services accept its tokens through its JWKS, and development tokens are refused.
import { expect, test } from "@playwright/test";
import { claimsOf } from "../src/auth/session";
import { expectAccessible } from "./support";

const oidcConsole = () => process.env.CASCADE_OIDC_CONSOLE_URL!;

test("a production stack refuses development tokens", async ({ request }) => {
  const answer = await request.post(`${oidcConsole()}/api/dev/token`, { data: { role: "admin", sub: "mallory" } });
  expect(answer.status()).toBe(403);
  expect((await answer.json()).code).toBe("dev_sign_in_disabled");
});

test("the programme manager signs in at the identity provider and works with its token", async ({ page }) => {
  await page.goto(`${oidcConsole()}/signin`);
  await expectAccessible(page);
  await page.getByRole("button", { name: "Sign in with your organisation's account" }).click();
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator("input[name=login]").fill("maria");
  await page.locator("input[name=password]").fill("any password");
  await page.locator("button[type=submit]").click();
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByText("Signed in as Maria Rossi")).toBeVisible();
  await expect(page).toHaveURL(`${oidcConsole()}/manager`);
  const token = await page.evaluate(() => localStorage.getItem("cascade.session"));
  const claims = claimsOf(token!);
  expect(claims).toMatchObject({ sub: "maria", roles: ["programme_manager"], aud: "urn:cascade:api" });

  // The calls service verified the provider's RS256 token against its JWKS.
  await page.getByLabel("Code", { exact: true }).fill(`OIDC-${Date.now().toString(36)}`);
  await page.getByLabel("Name", { exact: true }).fill("Signed in with OpenID Connect");
  await page.getByLabel("Budget (EUR)", { exact: true }).fill("10,000");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("link", { name: "Signed in with OpenID Connect" })).toBeVisible();
});
