// One programme from call to recovery, by hand, as its people play it in the browser.
import { expect, test, type Page } from "@playwright/test";
import { afterReloads, closePeople, expectAccessible, keepScreenshot, personAt } from "./support";

const run = Date.now().toString(36).slice(-5).toUpperCase();
const programme = `METASTARS ${run}`;
const callTitle = `Innovation vouchers ${run}`;
const project = `Smart looms ${run}`;
const state: { callUrl?: string; applicationUrl?: string; grantUrl?: string; programmeUrl?: string } = {};

test.describe.configure({ mode: "serial" });
// A failed test keeps its people's pages open, so its screenshots show where it stood.
test.afterEach(async ({}, info) => { if (info.status === info.expectedStatus) await closePeople(); });

test("a visitor reads the open calls without signing in", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Open and upcoming calls" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await expectAccessible(page);
});

test("the programme manager sets up a programme and a call, seeing field errors in place", async ({ browser }) => {
  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await expect(maria.getByRole("heading", { name: "Programmes" })).toBeVisible();
  await maria.getByLabel("Code", { exact: true }).fill(`MS-${run}`);
  await maria.getByLabel("Name", { exact: true }).fill(programme);
  await maria.getByLabel("Budget (EUR)", { exact: true }).fill("1,000,000");
  await maria.getByRole("button", { name: "Create" }).click();
  await maria.getByRole("link", { name: programme }).click();
  state.programmeUrl = maria.url();
  await expectAccessible(maria);

  const form = maria.getByRole("form", { name: "Draft a call" });
  await form.getByLabel("Code", { exact: true }).fill("not a code!");
  await form.getByRole("button", { name: "Save the draft" }).click();
  await expect(form.getByRole("alert")).toContainText("Some fields need correcting");
  await expect(form.getByLabel("Code", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(form.locator(".field-error").first()).toBeVisible();
  await expectAccessible(maria);

  await form.getByLabel("Code", { exact: true }).fill(`IV-${run}`);
  await form.getByLabel("Title", { exact: true }).fill(callTitle);
  await form.getByLabel("Budget (EUR)", { exact: true }).fill("300,000");
  await form.getByLabel("Largest grant (EUR)", { exact: true }).fill("60,000");
  await form.getByLabel("Innovate", { exact: true }).check();
  await form.getByRole("button", { name: "Save the draft" }).click();
  await maria.getByRole("link", { name: callTitle }).click();
  state.callUrl = maria.url();
  await maria.getByRole("button", { name: "Publish" }).click();
  await expect(maria.getByRole("status")).toHaveText("Published.");
  await afterReloads(maria, () => expect(maria.getByTestId("call-status")).toHaveText("open"));

  await maria.getByLabel("New deadline (UTC)", { exact: true }).fill("2030-01-31T12:00");
  await maria.getByLabel("Reason (for closing, extending or amending)", { exact: true }).fill("more time for SMEs");
  await maria.getByRole("button", { name: "Extend the deadline" }).click();
  await expect(maria.getByRole("status")).toHaveText("Deadline extended.");

  // A second tab amends the budget first: this one's version is stale.
  const other = await maria.context().newPage();
  await other.goto(state.callUrl);
  await other.getByLabel("Reason (for closing, extending or amending)", { exact: true }).fill("top-up");
  await other.getByLabel("New budget (EUR)", { exact: true }).fill("320,000");
  await other.getByRole("button", { name: "Amend the budget" }).click();
  await expect(other.getByRole("status")).toHaveText("Budget amended.");
  await maria.getByLabel("New budget (EUR)", { exact: true }).fill("350,000");
  await maria.getByRole("button", { name: "Amend the budget" }).click();
  await expect(maria.getByRole("alert")).toContainText("Someone changed this; reload.");
  await maria.getByRole("button", { name: "Reload" }).click();
  await maria.getByRole("button", { name: "Amend the budget" }).click();
  await expect(maria.getByRole("status")).toHaveText("Budget amended.");
  await expect(maria.getByText("EUR\u00a0350,000.00").first()).toBeVisible();

  await maria.getByLabel("Evaluator's user id", { exact: true }).fill("eva");
  await maria.getByLabel("Evaluator's name", { exact: true }).fill("Eva Novak");
  await maria.getByRole("button", { name: "Register", exact: true }).click();
  await expect(maria.getByRole("status")).toHaveText("Evaluator registered.");
  // Assignment draws from the call's panel only (without one, from every evaluator
  // the stack has ever registered, the other journeys' too).
  await maria.getByRole("button", { name: "Appoint the panel" }).click();
  await expect(maria.getByRole("status")).toHaveText("Panel appointed (1 evaluators).");
  await expectAccessible(maria);
});

let pics = 0;
async function registerOrganisation(page: Page, name: string, size: string) {
  const pic = `${Date.now() % 100_000_000}${pics++}`.padStart(9, "7").slice(-9);
  const form = page.getByRole("form", { name: "Register an organisation" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Country (ISO code, e.g. IT)", { exact: true }).fill("IT");
  await form.getByLabel("Size", { exact: true }).selectOption({ label: size });
  await form.getByLabel("Registered on", { exact: true }).fill("2020-03-01");
  await form.getByLabel("PIC (9 digits)", { exact: true }).fill(pic);
  await form.getByRole("button", { name: "Register" }).click();
  await expect(page.getByText(`${name} (IT, ${size})`)).toBeVisible();
}

test("an applicant registers, drafts, submits and sees each eligibility reason", async ({ browser }) => {
  const luca = await personAt(browser, "applicant", "Luca Bianchi");
  await registerOrganisation(luca, `Tessitura ${run}`, "small");
  await registerOrganisation(luca, `Grande Gruppo ${run}`, "large");
  await expectAccessible(luca);

  await luca.getByRole("link", { name: "Find a call to apply to" }).click();
  await luca.getByRole("link", { name: callTitle }).click();
  await luca.getByRole("link", { name: "Apply to this call" }).click();
  const applyUrl = luca.url();
  await luca.getByLabel("Lead organisation", { exact: true }).selectOption({ label: `Tessitura ${run}` });
  await luca.getByLabel("Project title", { exact: true }).fill(project);
  await luca.getByLabel("Summary", { exact: true }).fill("Sensors on every loom, fewer rejects.");
  await luca.getByLabel("Amount requested (EUR)", { exact: true }).fill("40,000");
  await luca.getByLabel("Innovate", { exact: true }).check();
  await expectAccessible(luca);
  await keepScreenshot(luca, "applicant-form");
  await luca.getByRole("button", { name: "Save the draft" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("draft");
  state.applicationUrl = luca.url();
  await luca.getByRole("button", { name: "Submit" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("eligible");
  await expect(luca.getByRole("heading", { name: "Eligible: every rule is met" })).toBeVisible();
  await expect(luca.getByText(/^Met: /).first()).toBeVisible();
  await expectAccessible(luca);

  // The large company is turned away, with the rule and its reason.
  await luca.goto(applyUrl);
  await luca.getByLabel("Lead organisation", { exact: true }).selectOption({ label: `Grande Gruppo ${run}` });
  await luca.getByLabel("Project title", { exact: true }).fill(`Big plan ${run}`);
  await luca.getByLabel("Amount requested (EUR)", { exact: true }).fill("50,000");
  await luca.getByLabel("Innovate", { exact: true }).check();
  await luca.getByRole("button", { name: "Save the draft" }).click();
  await luca.getByRole("button", { name: "Submit" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("ineligible");
  await expect(luca.getByText(/^Not met: .*is a large enterprise/)).toBeVisible();
});

test("the evaluator declares no conflict, reads and scores each criterion", async ({ browser }) => {
  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await maria.goto(state.callUrl!);
  await maria.getByLabel("Reason (for closing, extending or amending)", { exact: true }).fill("enough applications");
  await maria.getByRole("button", { name: "Close now" }).click();
  // Reloading before the answer would cancel the closing in flight.
  await expect(maria.getByRole("status")).toHaveText("Closed.");
  // The closing reaches applications as an event: until it has, assigning is refused
  // in words ("... once it has closed"), and the manager tries again, as a person would.
  // Each try waits for its answer, so a slow success is never retried into `already_assigned`.
  await afterReloads(maria, async () => {
    await maria.getByRole("button", { name: "Assign evaluators" }).click({ timeout: 10_000 });
    const answered = maria.getByRole("status").or(maria.getByRole("alert")).first();
    await expect(answered).toBeVisible({ timeout: 15_000 });
    await expect(maria.getByRole("status")).toHaveText("Evaluators assigned.", { timeout: 1_000 });
  });

  const eva = await personAt(browser, "evaluator", "Eva");
  const card = eva.locator(".card").first();
  await expect(card.getByText("assigned")).toBeVisible();
  await expectAccessible(eva);
  await card.getByRole("button", { name: "I declare no conflict of interest" }).click();
  const scored = eva.getByRole("region", { name: project });
  await scored.getByLabel("Excellence (0 to 5)", { exact: true }).fill("4");
  await scored.getByLabel("Impact (0 to 5)", { exact: true }).fill("5");
  await scored.getByLabel("Comment", { exact: true }).fill("Clear plan, measurable gains.");
  await expectAccessible(eva);
  await scored.getByRole("button", { name: "Submit the scores" }).click();
  await expect(scored.getByText("evaluated")).toBeVisible();

  await afterReloads(maria, async () => {
    await maria.getByRole("button", { name: "Rank" }).click();
    await expect(maria.getByRole("status")).toHaveText("Ranked.");
  });
  await maria.getByRole("button", { name: "Select" }).click();
  await expect(maria.getByRole("status")).toHaveText("Selection made.");
  await expect(maria.getByRole("row", { name: new RegExp(project) })).toContainText("selected");
  // Calls publishes the results once it has heard of the selection; applicants read their
  // outcomes, and sign, from then on. A slow success retried reads "already published".
  await afterReloads(maria, async () => {
    await maria.getByRole("button", { name: "Publish the results" }).click({ timeout: 10_000 });
    const published = maria.getByRole("status").filter({ hasText: "Results published." })
      .or(maria.getByRole("alert").filter({ hasText: "already published" }));
    await expect(published.first()).toBeVisible({ timeout: 15_000 });
  });
});

test("the applicant signs the agreement and follows the grant's instalments", async ({ browser }) => {
  const luca = await personAt(browser, "applicant", "Luca Bianchi");
  await luca.goto(state.applicationUrl!);
  await expect(luca.getByTestId("application-status")).toHaveText("selected");
  await luca.getByRole("button", { name: "Sign the agreement" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("contracted");
  await afterReloads(luca, () => expect(luca.getByRole("link", { name: "See the grant and its instalments" })).toBeVisible());
  await luca.getByRole("link", { name: "See the grant and its instalments" }).click();
  state.grantUrl = luca.url();
  await expect(luca.getByRole("row", { name: /Advance/ })).toContainText("due");
  await expect(luca.getByRole("row", { name: /Balance/ })).toContainText("scheduled");
  await expectAccessible(luca);
});

test("finance pays under four eyes: never one's own order, approved by another officer", async ({ browser }) => {
  const anna = await personAt(browser, "finance_officer", "Anna");
  const ben = await personAt(browser, "finance_officer", "Ben");
  await anna.goto(state.grantUrl!);
  await anna.getByRole("button", { name: "Order payment of Advance" }).click();
  await expect(anna.getByRole("row", { name: /waiting for approval/ })).toContainText("Waiting for another officer");
  await anna.goto("/finance");
  await expect(anna.getByRole("region", { name: "Waiting for your approval" })).toContainText("Nothing waits for your approval.");

  await ben.goto("/finance");
  const queue = ben.getByRole("region", { name: "Waiting for your approval" });
  await expect(queue.getByRole("row", { name: /anna/ })).toContainText("EUR\u00a028,000.00");
  await expectAccessible(ben);
  await keepScreenshot(ben, "four-eyes-queue");
  await queue.getByRole("link").first().click();
  await ben.getByRole("button", { name: "Approve" }).click();
  await ben.getByLabel("Bank reference (or reason it failed)", { exact: true }).fill("SEPA-0001");
  await ben.getByRole("button", { name: "Mark disbursed" }).click();
  await expect(ben.getByRole("row", { name: /SEPA|disbursed/ }).first()).toContainText("disbursed");
});

test("the final report makes the balance due; a failed payment is ordered again; a recovery", async ({ browser }) => {
  const anna = await personAt(browser, "finance_officer", "Anna");
  const ben = await personAt(browser, "finance_officer", "Ben");
  const luca = await personAt(browser, "applicant", "Luca Bianchi");
  await luca.goto(state.grantUrl!);
  await luca.getByLabel("Final report", { exact: true }).fill("Looms instrumented; rejects down 18%.");
  await luca.getByRole("button", { name: "Submit the final report" }).click();
  await expect(luca.getByText(/submitted · Looms instrumented/)).toBeVisible();
  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await maria.goto(state.grantUrl!);
  await maria.getByRole("button", { name: "Approve" }).click();
  await expect(maria.getByText(/approved · Looms instrumented/)).toBeVisible();

  await ben.goto(state.grantUrl!);
  await ben.getByRole("button", { name: "Order payment of Balance" }).click();
  await expect(ben.getByText("Waiting for another officer")).toBeVisible();
  await anna.goto(state.grantUrl!);
  await anna.getByRole("button", { name: "Approve" }).click();
  await anna.getByLabel("Bank reference (or reason it failed)", { exact: true }).fill("account closed");
  await anna.getByRole("button", { name: "Mark failed" }).click();
  await expect(anna.getByRole("row", { name: /Balance/ })).toContainText("failed");
  await anna.getByRole("button", { name: "Order payment of Balance" }).click();
  await expect(anna.getByText("Waiting for another officer")).toBeVisible();
  await ben.reload();
  await ben.getByRole("button", { name: "Approve" }).click();
  await ben.getByLabel("Bank reference (or reason it failed)", { exact: true }).fill("SEPA-0002");
  await ben.getByRole("button", { name: "Mark disbursed" }).click();
  await expect(ben.getByRole("row", { name: /Balance/ })).toContainText("paid");

  await ben.getByLabel("Amount to recover (EUR)", { exact: true }).fill("100,000");
  await ben.getByLabel("Reason", { exact: true }).fill("ineligible costs");
  await ben.getByRole("button", { name: "Order a recovery" }).click();
  await expect(ben.getByRole("alert")).toContainText(/exceed what was paid|at most/i);
  await ben.getByLabel("Amount to recover (EUR)", { exact: true }).fill("1,500");
  await ben.getByRole("button", { name: "Order a recovery" }).click();
  await expect(ben.getByText(/ineligible costs · ordered/)).toBeVisible();
  await ben.getByRole("button", { name: "Mark received" }).click();
  await expect(ben.getByText(/ineligible costs · received/)).toBeVisible();
  await expectAccessible(ben);

  await ben.goto("/finance");
  await ben.getByLabel("Call", { exact: true }).selectOption({ label: `IV-${run} – ${callTitle}` });
  await expect(ben.getByRole("row", { name: /^Paid / })).toContainText("EUR\u00a040,000.00");
  await expect(ben.getByRole("row", { name: /^Recovered / })).toContainText("EUR\u00a01,500.00");
});

test("the programme manager reads the report with its charts and downloads", async ({ browser }) => {
  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await maria.goto(state.programmeUrl!);
  await maria.getByRole("link", { name: "The programme's report" }).click();
  await afterReloads(maria, () => expect(maria.getByTestId("committed")).toHaveText("EUR\u00a040,000.00"));
  for (const chart of ["Money over time", "Applications by status", "By country", "By objective", "Committed by call kind", "Targets and actuals"]) {
    await expect(maria.getByRole("figure", { name: chart })).toBeVisible();
  }
  await expect(maria.getByRole("figure", { name: "Money over time" }).locator("path.recharts-line-curve")).toHaveCount(3);
  const download = maria.waitForEvent("download");
  await maria.getByRole("button", { name: "Download grants (CSV)" }).click();
  expect((await download).suggestedFilename()).toBe("grants.csv");
  await expectAccessible(maria);
  await keepScreenshot(maria, "manager-report");
});

test("the auditor follows one grant's story, verifies the history and moves as_of", async ({ browser }) => {
  const eve = await personAt(browser, "auditor", "Eve");
  // Both lists loaded first: one arriving late would move the link under the pointer.
  await expect(eve.getByRole("link", { name: `Report of ${programme}` })).toBeVisible();
  await eve.getByRole("link", { name: `The story of “${project}”` }).click();
  await expect(eve).toHaveURL(/\/auditor\/trail\//);
  const timeline = eve.getByRole("list", { name: "One grant's story" });
  for (const event of ["Application submitted", "Agreement signed", "Grant awarded", "Payment disbursed", "Recovery received"]) {
    await expect(timeline.getByText(event, { exact: true }).first()).toBeVisible();
  }
  await expectAccessible(eve);
  await keepScreenshot(eve, "auditor-timeline");

  await eve.goto("/auditor");
  await eve.getByRole("button", { name: "Verify" }).click();
  await expect(eve.getByTestId("verify-verdict")).toHaveText("Every event is intact and in its chain.");
  await eve.getByRole("link", { name: `Report of ${programme}` }).click();
  await expect(eve.getByTestId("committed")).toHaveText("EUR\u00a040,000.00");
  await eve.getByLabel("As of (UTC; empty: now)", { exact: true }).fill("2020-01-01T00:00");
  await expect(eve.getByTestId("committed")).toHaveText("EUR\u00a00.00");
  await expect(eve.getByText("recomputed from the events")).toBeVisible();
  await expectAccessible(eve);
});
