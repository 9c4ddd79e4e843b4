// Results and redress in the browser: a panel appointed, results published, the applicant
// reading the evaluation summary report and requesting a review, a reviewer deciding it,
// the public list of beneficiaries.
import { expect, test, type Page } from "@playwright/test";
import { afterReloads, closePeople, expectAccessible, keepScreenshot, personAt } from "./support";

const run = Date.now().toString(36).slice(-5).toUpperCase();
const programme = `RESULTS ${run}`;
const callTitle = `Vouchers with results ${run}`;
const strong = `Strong plan ${run}`;
const weak = `Weak plan ${run}`;
const state: { callUrl?: string; callId?: string; weakUrl?: string } = {};

test.describe.configure({ mode: "serial" });
test.afterEach(async ({}, info) => { if (info.status === info.expectedStatus) await closePeople(); });

test("the programme manager drafts a call and appoints its panel", async ({ browser }) => {
  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await maria.getByLabel("Code", { exact: true }).fill(`RS-${run}`);
  await maria.getByLabel("Name", { exact: true }).fill(programme);
  await maria.getByLabel("Budget (EUR)", { exact: true }).fill("1,000,000");
  await maria.getByRole("button", { name: "Create" }).click();
  await maria.getByRole("link", { name: programme }).click();
  const form = maria.getByRole("form", { name: "Draft a call" });
  await form.getByLabel("Code", { exact: true }).fill(`RV-${run}`);
  await form.getByLabel("Title", { exact: true }).fill(callTitle);
  await form.getByLabel("Budget (EUR)", { exact: true }).fill("300,000");
  await form.getByLabel("Largest grant (EUR)", { exact: true }).fill("60,000");
  await form.getByLabel("Innovate", { exact: true }).check();
  await form.getByRole("button", { name: "Save the draft" }).click();
  await maria.getByRole("link", { name: callTitle }).click();
  state.callUrl = maria.url();
  state.callId = maria.url().split("/").pop();
  await maria.getByLabel("Evaluator's user id", { exact: true }).fill("rita");
  await maria.getByLabel("Evaluator's name", { exact: true }).fill("Rita Kovac");
  await maria.getByRole("button", { name: "Register", exact: true }).click();
  await expect(maria.getByRole("status")).toHaveText("Evaluator registered.");
  await maria.getByRole("button", { name: "Appoint the panel" }).click();
  await expect(maria.getByRole("status")).toHaveText("Panel appointed (1 evaluators).");
  await expectAccessible(maria);
  await maria.getByRole("button", { name: "Publish" }).click();
  await expect(maria.getByRole("status")).toHaveText("Published.");
  await afterReloads(maria, () => expect(maria.getByTestId("call-status")).toHaveText("open"));
});

async function apply(luca: Page, organisation: string, title: string): Promise<string> {
  await luca.goto(`/applicant/apply/${state.callId}`);
  await luca.getByLabel("Lead organisation", { exact: true }).selectOption({ label: organisation });
  await luca.getByLabel("Project title", { exact: true }).fill(title);
  await luca.getByLabel("Amount requested (EUR)", { exact: true }).fill("30,000");
  await luca.getByLabel("Innovate", { exact: true }).check();
  await luca.getByRole("button", { name: "Save the draft" }).click();
  await luca.getByRole("button", { name: "Submit" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("eligible");
  return luca.url();
}

test("two applications are scored, ranked, selected and the results published", async ({ browser }) => {
  const luca = await personAt(browser, "applicant", "Luca Gialli");
  for (const [name, n] of [[`Lanificio ${run}`, 1], [`Setificio ${run}`, 2]] as const) {
    const org = luca.getByRole("form", { name: "Register an organisation" });
    await org.getByLabel("Name", { exact: true }).fill(name);
    await org.getByLabel("Country (ISO code, e.g. IT)", { exact: true }).fill("IT");
    await org.getByLabel("Size", { exact: true }).selectOption({ label: "small" });
    await org.getByLabel("Registered on", { exact: true }).fill("2020-03-01");
    await org.getByLabel("PIC (9 digits)", { exact: true }).fill(`${Date.now() % 100_000_000}${n}`.slice(-9).padStart(9, "4"));
    await org.getByRole("button", { name: "Register" }).click();
    await expect(luca.getByText(`${name} (IT, small)`)).toBeVisible();
  }
  await apply(luca, `Lanificio ${run}`, strong);
  state.weakUrl = await apply(luca, `Setificio ${run}`, weak);

  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await maria.goto(state.callUrl!);
  await maria.getByLabel("Reason (for closing, extending or amending)", { exact: true }).fill("enough applications");
  await maria.getByRole("button", { name: "Close now" }).click();
  await expect(maria.getByRole("status")).toHaveText("Closed.");
  await afterReloads(maria, async () => {
    await maria.getByRole("button", { name: "Assign evaluators" }).click();
    const answered = maria.getByRole("status").or(maria.getByRole("alert")).first();
    await expect(answered).toBeVisible({ timeout: 15_000 });
    await expect(maria.getByRole("status")).toHaveText("Evaluators assigned.", { timeout: 1_000 });
  });

  const rita = await personAt(browser, "evaluator", "Rita");
  for (let accepted = 0; accepted < 2; accepted += 1) {
    await rita.getByRole("button", { name: "I declare no conflict of interest" }).first().click();
    await expect(rita.getByRole("button", { name: "I declare no conflict of interest" })).toHaveCount(1 - accepted);
  }
  for (const [title, score] of [[strong, "5"], [weak, "1"]] as const) {
    const card = rita.getByRole("region", { name: title });
    await card.getByLabel("Excellence (0 to 5)", { exact: true }).fill(score);
    await card.getByLabel("Impact (0 to 5)", { exact: true }).fill(score);
    await card.getByLabel("Comment", { exact: true }).fill(score === "5" ? "Convincing." : "The plan lacks figures.");
    await card.getByRole("button", { name: "Submit the scores" }).click();
    await expect(card.getByText("evaluated")).toBeVisible();
  }

  await afterReloads(maria, async () => {
    await maria.getByRole("button", { name: "Rank" }).click();
    await expect(maria.getByRole("status")).toHaveText("Ranked.");
  });
  await maria.getByRole("button", { name: "Select" }).click();
  await expect(maria.getByRole("status")).toHaveText("Selection made.");
  // The manager consolidates the weak application's comments before the results.
  await maria.getByRole("link", { name: weak }).click();
  await maria.getByLabel("Consolidated comment on Excellence", { exact: true }).fill("Figures are missing throughout.");
  await maria.getByRole("button", { name: "Save the comments" }).click();
  await expect(maria.getByRole("row", { name: /Excellence/ })).toContainText("Figures are missing throughout.");
  await expectAccessible(maria);
  await maria.goto(state.callUrl!);
  await afterReloads(maria, async () => {
    await maria.getByRole("button", { name: "Publish the results" }).click();
    await expect(maria.getByRole("status")).toHaveText("Results published.", { timeout: 5_000 });
  });
});

test("the applicant reads the report after results and requests a review; a reviewer dismisses it", async ({ browser }) => {
  const luca = await personAt(browser, "applicant", "Luca Gialli");
  await luca.goto(state.weakUrl!);
  await afterReloads(luca, () => expect(luca.getByTestId("esr-outcome")).toContainText("rejected"));
  await expect(luca.getByRole("row", { name: /Excellence/ })).toContainText("Figures are missing throughout.");
  await luca.getByLabel("Grounds for the review", { exact: true }).fill("The figures were in the annex.");
  await expectAccessible(luca);
  await keepScreenshot(luca, "applicant-esr");
  await luca.getByRole("button", { name: "Send the request" }).click();
  await expect(luca.getByRole("status")).toHaveText("Review requested; a reviewer will decide.");

  const rosa = await personAt(browser, "reviewer", "Rosa");
  const request = rosa.getByRole("region", { name: /Review of an outcome/ }).filter({ hasText: "The figures were in the annex." });
  await request.getByLabel("Reasons for the decision", { exact: true }).fill("No annex carried figures.");
  await expectAccessible(rosa);
  await request.getByRole("button", { name: "Dismiss" }).click();
  await expect(request).toHaveCount(0);

  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  await visitor.goto(`/calls/${state.callId}`);
  const beneficiaries = visitor.getByRole("region", { name: "Beneficiaries" });
  await expect(beneficiaries.getByRole("row", { name: new RegExp(`Lanificio ${run}`) })).toContainText("EUR\u00a030,000.00");
  await expect(beneficiaries).not.toContainText(`Setificio ${run}`);
  await expectAccessible(visitor);
  await visitorContext.close();
});
