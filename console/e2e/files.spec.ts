// Files through the browser: the annexes a call requires (refusals in words, size and SHA-256,
// download), and the auditor's signed dossier with the key that checks it.
import { expect, test, type Page } from "@playwright/test";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { closePeople, expectAccessible, keepScreenshot, personAt, afterReloads } from "./support";

const run = Date.now().toString(36).slice(-5).toUpperCase();
const programme = `FILES ${run}`;
const callTitle = `Vouchers with annexes ${run}`;
const state: { callId?: string } = {};

test.describe.configure({ mode: "serial" });
test.afterEach(async ({}, info) => { if (info.status === info.expectedStatus) await closePeople(); });

/** A small PDF the services recognise by its magic bytes, padded to `size` bytes. */
function pdf(size: number): Buffer {
  const head = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n";
  const tail = "\n%%EOF\n";
  return Buffer.from(head + "%".repeat(Math.max(0, size - head.length - tail.length)) + tail);
}

test("the programme manager drafts a call that requires a business plan", async ({ browser }) => {
  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await maria.getByLabel("Code", { exact: true }).fill(`FL-${run}`);
  await maria.getByLabel("Name", { exact: true }).fill(programme);
  await maria.getByLabel("Budget (EUR)", { exact: true }).fill("1,000,000");
  await maria.getByRole("button", { name: "Create" }).click();
  await maria.getByRole("link", { name: programme }).click();
  const form = maria.getByRole("form", { name: "Draft a call" });
  await form.getByLabel("Code", { exact: true }).fill(`FV-${run}`);
  await form.getByLabel("Title", { exact: true }).fill(callTitle);
  await form.getByLabel("Budget (EUR)", { exact: true }).fill("300,000");
  await form.getByLabel("Largest grant (EUR)", { exact: true }).fill("60,000");
  await form.getByLabel("Innovate", { exact: true }).check();
  await form.getByLabel("Annex title (empty: none)", { exact: true }).fill("Business plan");
  await form.getByLabel("Allowed media types (e.g. application/pdf)", { exact: true }).fill("application/pdf");
  await form.getByLabel("Largest size (MB)", { exact: true }).fill("0.01");
  await expectAccessible(maria);
  await form.getByRole("button", { name: "Save the draft" }).click();
  await maria.getByRole("link", { name: callTitle }).click();
  state.callId = maria.url().split("/").pop();
  await maria.getByRole("button", { name: "Publish" }).click();
  await expect(maria.getByRole("status")).toHaveText("Published.");
  await afterReloads(maria, () => expect(maria.getByTestId("call-status")).toHaveText("open"));
});

async function draftApplication(luca: Page): Promise<void> {
  const pic = `${Date.now() % 100_000_000}`.padStart(9, "6").slice(-9);
  const org = luca.getByRole("form", { name: "Register an organisation" });
  await org.getByLabel("Name", { exact: true }).fill(`Filatura ${run}`);
  await org.getByLabel("Country (ISO code, e.g. IT)", { exact: true }).fill("IT");
  await org.getByLabel("Size", { exact: true }).selectOption({ label: "small" });
  await org.getByLabel("Registered on", { exact: true }).fill("2020-03-01");
  await org.getByLabel("PIC (9 digits)", { exact: true }).fill(pic);
  await org.getByRole("button", { name: "Register" }).click();
  await expect(luca.getByText(`Filatura ${run} (IT, small)`)).toBeVisible();
  await luca.goto(`/applicant/apply/${state.callId}`);
  await luca.getByLabel("Lead organisation", { exact: true }).selectOption({ label: `Filatura ${run}` });
  await luca.getByLabel("Project title", { exact: true }).fill(`Yarn sensors ${run}`);
  await luca.getByLabel("Amount requested (EUR)", { exact: true }).fill("30,000");
  await luca.getByLabel("Innovate", { exact: true }).check();
  await luca.getByRole("button", { name: "Save the draft" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("draft");
}

test("the applicant attaches the business plan: refusals in words, then size, hash and download", async ({ browser }) => {
  const luca = await personAt(browser, "applicant", "Luca Verdi");
  await draftApplication(luca);
  const plan = luca.getByRole("group", { name: "Business plan" });
  await expect(plan).toContainText("Allowed: application/pdf · at most 10.2\u00a0KB");
  await expect(plan).toContainText("Not attached yet.");

  // Submitting without it names what is missing.
  await luca.getByRole("button", { name: "Submit" }).click();
  await expect(luca.getByRole("alert")).toContainText("Some required annexes are not attached yet.");

  const input = plan.getByLabel("Choose the file for Business plan", { exact: true });
  await input.setInputFiles({ name: "plan.txt", mimeType: "text/plain", buffer: Buffer.from("just words, no PDF") });
  await plan.getByRole("button", { name: "Upload" }).click();
  await expect(plan.getByRole("alert")).toContainText("This kind of file is not accepted for this annex");
  await input.setInputFiles({ name: "plan.pdf", mimeType: "application/pdf", buffer: pdf(20_000) });
  await plan.getByRole("button", { name: "Upload" }).click();
  await expect(plan.getByRole("alert")).toContainText("The file is too large for this annex");
  await expectAccessible(luca);

  const bytes = pdf(3_000);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  await input.setInputFiles({ name: "plan.pdf", mimeType: "application/pdf", buffer: bytes });
  await plan.getByRole("button", { name: "Upload" }).click();
  const attached = plan.getByTestId("annex-business_plan");
  await expect(attached).toContainText("plan.pdf (application/pdf)");
  await expect(attached).toContainText("2.9\u00a0KB");
  await expect(attached).toContainText(sha256);
  await expectAccessible(luca);
  await keepScreenshot(luca, "applicant-annexes");

  const download = luca.waitForEvent("download");
  await plan.getByRole("button", { name: "Download plan.pdf" }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe("plan.pdf");
  expect(createHash("sha256").update(await readFile((await saved.path())!)).digest("hex")).toBe(sha256);

  await luca.getByRole("button", { name: "Submit" }).click();
  await expect(luca.getByTestId("application-status")).toHaveText("eligible");
  // A submitted application's files no longer change.
  await expect(plan.getByLabel("Replace the file for Business plan")).toHaveCount(0);
});

test("the auditor downloads the programme's signed dossier and reads the key that checks it", async ({ browser }) => {
  const eve = await personAt(browser, "auditor", "Eve");
  await expect(eve.getByTestId("public-key")).toContainText("BEGIN PUBLIC KEY");
  const download = eve.waitForEvent("download");
  await eve.getByRole("button", { name: `Download the dossier of ${programme}` }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe(`dossier-FL-${run}.zip`);
  const zip = await readFile((await saved.path())!);
  expect(zip.subarray(0, 2).toString()).toBe("PK");
  await expectAccessible(eve);
  await keepScreenshot(eve, "auditor-dossier");
});
