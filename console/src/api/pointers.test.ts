import { describe, expect, it } from "vitest";
import { errorTree, pointerPath } from "./pointers";

describe("JSON pointers", () => {
  it("splits and unescapes", () => {
    expect(pointerPath("/budget/0/amount")).toEqual(["budget", "0", "amount"]);
    expect(pointerPath("/a~1b/c~0d")).toEqual(["a/b", "c~d"]);
    expect(pointerPath("")).toEqual([]);
  });
  it("builds the form's error tree, messages at their field", () => {
    expect(errorTree([
      { pointer: "/team_size", message: "must be at least 1" },
      { pointer: "/budget/1/amount", message: "must be an integer" },
      { pointer: "/team_size", message: "is required" },
      { pointer: "", message: "the total differs" },
    ])).toEqual({
      team_size: { __errors: ["must be at least 1", "is required"] },
      budget: { 1: { amount: { __errors: ["must be an integer"] } } },
      __errors: ["the total differs"],
    });
  });
});
