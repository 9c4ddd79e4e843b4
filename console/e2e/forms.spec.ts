// The call's own form in the browser: drafted by the manager as JSON Schema with a UI schema,
// answered by the applicant (partially in the draft), failing answers shown at their field,
// declarations on honour with the SME figures, then a submission that passes.
import { expect, test } from "@playwright/test";
import { afterReloads, closePeople, expectAccessible, keepScreenshot, personAt } from "./support";

const run = Date.now().toString(36).slice(-5).toUpperCase();
const programme = `FORMS ${run}`;
const callTitle = `Vouchers with a form ${run}`;
const state: { callId?: string } = {};

test.describe.configure({ mode: "serial" });
test.afterEach(async ({}, info) => { if (info.status === info.expectedStatus) await closePeople(); });

const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["team_size", "market"],
  properties: {
    team_size: { type: "integer", title: "Team size", minimum: 1 },
    market: { type: "string", title: "Target market", minLength: 3 },
  },
};
const uiSchema = { market: { "ui:widget": "textarea" }, "ui:order": ["team_size", "market"] };

test("the programme manager drafts a call with a form and declarations on honour", async ({ browser }) => {
  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await maria.getByLabel("Code", { exact: true }).fill(`FO-${run}`);
  await maria.getByLabel("Name", { exact: true }).fill(programme);
  await maria.getByLabel("Budget (EUR)", { exact: true }).fill("1,000,000");
  await maria.getByRole("button", { name: "Create" }).click();
  await maria.getByRole("link", { name: programme }).click();
  const form = maria.getByRole("form", { name: "Draft a call" });
  await form.getByLabel("Code", { exact: true }).fill(`FF-${run}`);
  await form.getByLabel("Title", { exact: true }).fill(callTitle);
  await form.getByLabel("Budget (EUR)", { exact: true }).fill("300,000");
  await form.getByLabel("Largest grant (EUR)", { exact: true }).fill("60,000");
  await form.getByLabel("Innovate", { exact: true }).check();
  await form.getByLabel("No double funding", { exact: true }).check();
  await form.getByLabel("SME status", { exact: true }).check();
  const schemaField = form.getByLabel("Application form (JSON Schema 2020-12; empty: none)", { exact: true });
  await schemaField.fill("{ not json");
  await form.getByRole("button", { name: "Save the draft" }).click();
  await expect(form.getByText("This is not a JSON document.")).toBeVisible();
  await schemaField.fill(JSON.stringify(schema));
  await form.getByLabel("The form's UI schema (JSON; optional)", { exact: true }).fill(JSON.stringify(uiSchema));
  await form.getByRole("button", { name: "Save the draft" }).click();
  await maria.getByRole("link", { name: callTitle }).click();
  state.callId = maria.url().split("/").pop();
  await maria.getByRole("button", { name: "Publish" }).click();
  await expect(maria.getByRole("status")).toHaveText("Published.");
  await afterReloads(maria, () => expect(maria.getByTestId("call-status")).toHaveText("open"));
});

test("the applicant answers the form, sees a failing answer at its field, declares and submits", async ({ browser }) => {
  const luca = await personAt(browser, "applicant", "Luca Neri");
  const pic = `${Date.now() % 100_000_000}`.padStart(9, "5").slice(-9);
  const org = luca.getByRole("form", { name: "Register an organisation" });
  await org.getByLabel("Name", { exact: true }).fill(`Tintoria ${run}`);
  await org.getByLabel("Country (ISO code, e.g. IT)", { exact: true }).fill("IT");
  await org.getByLabel("Size", { exact: true }).selectOption({ label: "small" });
  await org.getByLabel("Registered on", { exact: true }).fill("2020-03-01");
  await org.getByLabel("PIC (9 digits)", { exact: true }).fill(pic);
  await org.getByRole("button", { name: "Register" }).click();
  await expect(luca.getByText(`Tintoria ${run} (IT, small)`)).toBeVisible();

  await luca.goto(`/applicant/apply/${state.callId}`);
  await luca.getByLabel("Lead organisation", { exact: true }).selectOption({ label: `Tintoria ${run}` });
  await luca.getByLabel("Project title", { exact: true }).fill(`Dye recovery ${run}`);
  await luca.getByLabel("Amount requested (EUR)", { exact: true }).fill("30,000");
  await luca.getByLabel("Innovate", { exact: true }).check();
  const callForm = luca.getByRole("region", { name: "The call's application form" });
  await expect(callForm.locator("textarea#answers_market")).toBeVisible();
  await callForm.getByLabel("Team size").fill("4");
  await expectAccessible(luca);
  await keepScreenshot(luca, "applicant-call-form");
  // A draft keeps partial answers: the market is left for later.
  await luca.getByRole("button", { name: "Save the draft" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("draft");
  await expect(luca.locator("#answers_team_size")).toHaveValue("4");

  const declarations = luca.getByRole("form", { name: "Declarations on honour" });
  await declarations.getByLabel(/same costs are not funded/).check();
  await declarations.getByLabel(/is an SME, with these figures/).check();
  await declarations.getByLabel("Staff headcount (annual work units)", { exact: true }).fill("12");
  await declarations.getByLabel("Annual turnover (EUR)", { exact: true }).fill("2,500,000");
  await declarations.getByRole("button", { name: "Record the declarations" }).click();
  await expect(declarations.getByText(/SME status – declared by luca-neri/)).toBeVisible();
  await expectAccessible(luca);

  await luca.getByRole("button", { name: "Submit" }).click();
  await expect(luca.getByRole("alert").first()).toContainText("Some answers to the form need correcting.");
  await expect(luca.locator("#answers_market__error")).toBeVisible();
  await expectAccessible(luca);

  await luca.locator("#answers_market").fill("Italian textile districts");
  await luca.getByRole("button", { name: "Save the answers" }).click();
  await expect(luca.getByRole("status")).toHaveText("Answers saved.");
  await luca.getByRole("button", { name: "Submit" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("eligible");
  await expect(luca.locator("#answers_market")).toHaveValue("Italian textile districts");
});
