// What the journeys share: signing in as someone, the accessibility check, screenshots.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { resolve } from "node:path";

export type Role = "applicant" | "evaluator" | "programme_manager" | "finance_officer" | "auditor" | "reviewer" | "admin";
const ROLE_LABEL: Record<Role, string> = {
  applicant: "Applicant", evaluator: "Evaluator", programme_manager: "Programme manager",
  finance_officer: "Finance officer", auditor: "Auditor", reviewer: "Reviewer", admin: "Administrator",
};

const people: BrowserContext[] = [];

/** A page of its own (a browser context per person), signed in through the sign-in screen. */
export async function personAt(browser: Browser, role: Role, name: string): Promise<Page> {
  const context = await browser.newContext();
  people.push(context);
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel("Role", { exact: true }).selectOption({ label: ROLE_LABEL[role] });
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`Signed in as ${name}`)).toBeVisible();
  return page;
}

export async function closePeople(): Promise<void> {
  await Promise.all(people.splice(0).map((context) => context.close()));
}

/** No serious or critical axe-core violation on the screen as it stands. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const grave = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(grave, `axe on ${page.url()}`).toEqual([]);
}

/** With CASCADE_SCREENSHOTS=1, the README's screenshots (docs/screenshots/<name>.png). */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.CASCADE_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: resolve(import.meta.dirname, "..", "..", "docs", "screenshots", `${name}.png`), fullPage: true });
}

/** Reloads until `check` passes: the services apply each other's events a moment later,
 * and on a loaded machine a restarted consumer group may take tens of seconds to rejoin. */
export async function afterReloads(page: Page, check: () => Promise<void>): Promise<void> {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 120_000, intervals: [300, 600, 1000, 2000] });
}
