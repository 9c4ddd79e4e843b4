import { describe, expect, it } from "vitest";
import { commandHeaders, versionFromEtag } from "./commands";

describe("command headers", () => {
  it("send a fresh Idempotency-Key and the version read as If-Match", () => {
    const first = commandHeaders(3);
    const second = commandHeaders(3);
    expect(first["If-Match"]).toBe('"3"');
    expect(first["Idempotency-Key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(first["Idempotency-Key"]).not.toBe(second["Idempotency-Key"]);
  });
  it("leave If-Match out when nothing was read", () => {
    expect(commandHeaders()).not.toHaveProperty("If-Match");
  });
  it("read versions from strong and weak ETags", () => {
    expect(versionFromEtag('"12"')).toBe(12);
    expect(versionFromEtag('W/"4"')).toBe(4);
    expect(versionFromEtag("nonsense")).toBeNull();
  });
});
