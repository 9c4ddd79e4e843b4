import { describe, expect, it } from "vitest";
import i18next from "i18next";
import en from "../i18n/en.json";
import it_ from "../i18n/it.json";
import { describeProblem, toProblem } from "./problem";

const t = i18next.createInstance();
await t.init({ resources: { en: { translation: en }, it: { translation: it_ } }, lng: "en" });

describe("problems in words", () => {
  it("say a version conflict as 'someone changed this; reload'", () => {
    const problem = toProblem(409, { code: "version_conflict", title: "Conflict", detail: "call x is at version 3, not 2" });
    expect(describeProblem(problem, t.t)).toBe("Someone changed this; reload.");
  });
  it("translate a known code and keep the service's detail beside it", () => {
    const problem = toProblem(403, { code: "four_eyes", detail: "fo-anna ordered it" });
    expect(describeProblem(problem, t.getFixedT("it"))).toBe("Un altro responsabile deve approvare il tuo ordine. (fo-anna ordered it)");
  });
  it("fall back to the service's own detail for a code the catalogue lacks", () => {
    expect(describeProblem(toProblem(409, { code: "something_new", detail: "because" }), t.t)).toBe("because");
  });
  it("find field messages by the API's field path", () => {
    const problem = toProblem(422, { code: "invalid_input", errors: [{ field: "budget_cents", message: "must be positive" }] });
    expect(problem.fieldMessages("budget_cents")).toEqual(["must be positive"]);
    expect(problem.fieldMessages("title")).toEqual([]);
  });
  it("name an unreachable service", () => {
    expect(describeProblem(toProblem(0, null), t.t)).toBe("The service cannot be reached; try again.");
  });
});
