// The administrator's data-subject screen: what each service holds about a person, handed
// over as JSON, then erased after a confirmation.
import { expect, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { closePeople, expectAccessible, keepScreenshot, personAt } from "./support";

const run = Date.now().toString(36).slice(-5).toLowerCase();
const person = `Dora ${run}`;
const subject = `dora-${run}`;

test.afterEach(async ({}, info) => { if (info.status === info.expectedStatus) await closePeople(); });

test("an administrator reads a person's data, downloads it as JSON and erases it", async ({ browser }) => {
  // The evaluator's name is personal data, sealed with a key of their own.
  const maria = await personAt(browser, "programme_manager", "Maria Rossi");
  await maria.getByLabel("Code", { exact: true }).fill(`DS-${run}`);
  await maria.getByLabel("Name", { exact: true }).fill(`DATA ${run}`);
  await maria.getByLabel("Budget (EUR)", { exact: true }).fill("100,000");
  await maria.getByRole("button", { name: "Create" }).click();
  await maria.getByRole("link", { name: `DATA ${run}` }).click();
  const form = maria.getByRole("form", { name: "Draft a call" });
  await form.getByLabel("Code", { exact: true }).fill(`DC-${run}`);
  await form.getByLabel("Title", { exact: true }).fill(`Call ${run}`);
  await form.getByLabel("Budget (EUR)", { exact: true }).fill("50,000");
  await form.getByLabel("Largest grant (EUR)", { exact: true }).fill("10,000");
  await form.getByLabel("Innovate", { exact: true }).check();
  await form.getByRole("button", { name: "Save the draft" }).click();
  await maria.getByRole("link", { name: `Call ${run}` }).click();
  await maria.getByLabel("Evaluator's user id", { exact: true }).fill(subject);
  await maria.getByLabel("Evaluator's name", { exact: true }).fill(person);
  await maria.getByRole("button", { name: "Register", exact: true }).click();
  await expect(maria.getByRole("status")).toHaveText("Evaluator registered.");

  const ada = await personAt(browser, "admin", "Ada");
  await ada.getByLabel("Data subject (user id)", { exact: true }).fill(subject);
  await ada.getByRole("button", { name: "Look up" }).click();
  const held = ada.getByRole("region", { name: `Personal data held about ${subject}` });
  await expect(held.getByRole("row", { name: /^applications / }).getByRole("cell").nth(1)).not.toHaveText("0");
  await expectAccessible(ada);
  await keepScreenshot(ada, "admin-data-subject");

  const download = ada.waitForEvent("download");
  await held.getByRole("button", { name: "Download the applications data (JSON)" }).click();
  const saved = await download;
  const document = JSON.parse(await readFile((await saved.path())!, "utf8"));
  expect(document.subject).toBe(subject);
  expect(document.events.length).toBeGreaterThan(0);

  const erase = held.getByRole("button", { name: `Erase ${subject}` });
  await expect(erase).toBeDisabled();
  await held.getByLabel(new RegExp(`I confirm that ${subject}`)).check();
  await erase.click();
  await expect(held.getByRole("status")).toContainText("applications: erased");
});
