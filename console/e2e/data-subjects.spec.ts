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
  const dora = await personAt(browser, "applicant", person);
  const org = dora.getByRole("form", { name: "Register an organisation" });
  await org.getByLabel("Name", { exact: true }).fill(`Sartoria ${run}`);
  await org.getByLabel("Country (ISO code, e.g. IT)", { exact: true }).fill("IT");
  await org.getByLabel("Size", { exact: true }).selectOption({ label: "micro" });
  await org.getByLabel("Registered on", { exact: true }).fill("2021-05-01");
  await org.getByLabel("PIC (9 digits)", { exact: true }).fill(`${Date.now() % 1_000_000_000}`.padStart(9, "3"));
  await org.getByRole("button", { name: "Register" }).click();
  await expect(dora.getByText(`Sartoria ${run} (IT, micro)`)).toBeVisible();

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
