// The console in Italian: chosen by the browser's language or the switch, money and
// dates formatted for the locale.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { expectAccessible } from "./support";

async function publishedCall(request: APIRequestContext, code: string): Promise<void> {
  const token = (await (await request.post("/api/dev/token", { data: { role: "programme_manager", sub: "giulia" } })).json()).token;
  const headers = { Authorization: `Bearer ${token}` };
  const programme = await (await request.post("/api/calls/v1/programmes", {
    headers, data: { code: `P-${code}`, name: "Programma", currency: "EUR", budget_cents: 100_000_000 } })).json();
  const now = Date.now();
  const call = await (await request.post("/api/calls/v1/calls", { headers, data: {
    programme_id: programme.id, code, title: `Voucher verdi ${code}`, kind: "green_voucher", selection_mode: "first_come_first_served",
    budget_cents: 123_456_78, max_grant_cents: 1_000_000, min_grant_cents: 0, objectives: ["adopt"],
    opens_at: new Date(now + 86_400_000).toISOString(), closes_at: new Date(now + 30 * 86_400_000).toISOString(),
    instalments: [{ label: "Unica", percent: 100, trigger: "on_signature" }] } })).json();
  expect((await request.post(`/api/calls/v1/calls/${call.id}/publish`, { headers })).status()).toBe(200);
}

test("an Italian browser gets the console in Italian, with EUR 1.234,56", async ({ browser, request }) => {
  const code = `GV-${Date.now().toString(36)}`;
  await publishedCall(request, code);
  const context = await browser.newContext({ locale: "it-IT" });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Bandi aperti e in arrivo" })).toBeVisible();
  const row = page.getByRole("row", { name: new RegExp(code) });
  await expect(row).toContainText("EUR\u00a0123.456,78");
  await expect(row).toContainText("in arrivo");
  await expectAccessible(page);

  await page.getByLabel("Lingua").selectOption("en");
  await expect(page.getByRole("heading", { name: "Open and upcoming calls" })).toBeVisible();
  await expect(row).toContainText("EUR\u00a0123,456.78");
  await page.reload();
  await expect(page.getByRole("heading", { name: "Open and upcoming calls" })).toBeVisible();
  await context.close();
});
