import { describe, expect, it } from "vitest";
import { formatBytes, uploadPath } from "./files";

describe("files", () => {
  it("names the annex's code and the file in the upload's query", () => {
    expect(uploadPath("/api/applications/v1/applications/a1/annexes", "budget", "plan v2.pdf"))
      .toBe("/api/applications/v1/applications/a1/annexes?code=budget&name=plan+v2.pdf");
  });
  it("writes sizes for people, in the locale", () => {
    expect(formatBytes(512, "en-GB")).toBe("512\u00a0B");
    expect(formatBytes(1536, "en-GB")).toBe("1.5\u00a0KB");
    expect(formatBytes(5 * 1024 * 1024, "it-IT")).toBe("5\u00a0MB");
    expect(formatBytes(1_572_864, "it-IT")).toBe("1,5\u00a0MB");
  });
});
